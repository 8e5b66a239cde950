// The version of Warbler, written into every run record and result file (and `warbler --version`).
public enum WarblerVersion {
    public static let string = "0.2.0"
}
