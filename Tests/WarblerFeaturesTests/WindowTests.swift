// Windows against scipy.signal.get_window(kind, n, fftbins=True) (tools/fixtures/frontend.py).
import WarblerFeatures
import WarblerTestSupport
import XCTest

final class WindowTests: XCTestCase {
    /// Computed in float64 with scipy's operations, so equal to within 2 ulp of float64
    /// (cos of the same argument; scipy's linspace is reproduced exactly).
    func testWindowsMatchScipy() throws {
        for kind in WindowKind.allCases {
            for n in [1, 2, 7, 400, 1024] {
                let ref = try Fixtures.array("frontend/window_\(kind.rawValue)_\(n).npy", script: "frontend.py").doubles()
                let ours = kind.values(length: n)
                XCTAssertEqual(ours.count, ref.count)
                for i in 0..<n {
                    XCTAssertEqual(ours[i], ref[i], accuracy: 4 * Double.ulpOfOne, "\(kind) n=\(n) i=\(i)")
                }
            }
        }
    }

    /// A shorter window is centred in nFFT with zeros either side (librosa's pad_center).
    func testPaddedWindowIsCentred() {
        let w = WindowKind.hann.padded(length: 400, to: 512)
        XCTAssertEqual(w.count, 512)
        XCTAssertTrue(w[0..<56].allSatisfy { $0 == 0 })
        XCTAssertTrue(w[456..<512].allSatisfy { $0 == 0 })
        XCTAssertEqual(w[56 + 200], 1, accuracy: 1e-7)
    }
}
