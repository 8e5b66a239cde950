// swift-tools-version:6.0
// libFuzzer targets for Warbler's readers of untrusted input (issue 12). A separate package so
// the main build and tests never see the fuzzer flags. Build and run through scripts/fuzz.sh,
// which passes `-Xswiftc -sanitize=fuzzer` to every module (the main package's too, so its
// code is instrumented for coverage). Each target exports `LLVMFuzzerTestOneInput` and has a
// @main that runs libFuzzer's driver on it (SwiftPM renames an executable's entry point, so
// libFuzzer's own main cannot be used).
import PackageDescription

let fuzzTarget: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "WarblerFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "Warbler", path: "..")],
    targets: [
        // libFuzzer's LLVMFuzzerRunDriver, declared for Swift.
        .target(name: "CFuzzerDriver", path: "Sources/CFuzzerDriver"),
        // The driver call and temporary files shared by the targets.
        .target(name: "FuzzSupport", dependencies: ["CFuzzerDriver"], path: "Sources/FuzzSupport"),
        // safetensors bytes -> tensors, then the model config, input contract and thresholds
        // in the metadata, as a checkpoint is read.
        .executableTarget(
            name: "FuzzSafeTensors",
            dependencies: [
                "FuzzSupport", .product(name: "WarblerNN", package: "Warbler"),
                .product(name: "WarblerModels", package: "Warbler"),
                .product(name: "WarblerFeatures", package: "Warbler"),
                .product(name: "WarblerMetrics", package: "Warbler"),
            ],
            swiftSettings: fuzzTarget),
        // .npy bytes -> array -> float32 and float64.
        .executableTarget(
            name: "FuzzNPY", dependencies: ["FuzzSupport", .product(name: "WarblerIO", package: "Warbler")],
            swiftSettings: fuzzTarget),
        // Audio bytes (any libsndfile format) -> decode, downmix, resample to 32 kHz, chunked.
        .executableTarget(
            name: "FuzzAudio", dependencies: ["FuzzSupport", .product(name: "WarblerAudio", package: "Warbler")],
            swiftSettings: fuzzTarget),
        // Manifest CSVs (BirdCLEF, Cornell layouts), BirdCLEF's Python-list labels, evaluate's tables.
        .executableTarget(
            name: "FuzzManifest",
            dependencies: [
                "FuzzSupport", .product(name: "WarblerIO", package: "Warbler"),
                .product(name: "WarblerMetrics", package: "Warbler"),
                .product(name: "WarblerTraining", package: "Warbler"),
            ],
            swiftSettings: fuzzTarget),
        // JSON configs: thresholds.json, SEDConfig, TrainConfig, the checkpoint input contract,
        // augmentation and field-validation settings; decode then validate.
        .executableTarget(
            name: "FuzzConfig",
            dependencies: [
                "FuzzSupport", .product(name: "WarblerMetrics", package: "Warbler"),
                .product(name: "WarblerModels", package: "Warbler"),
                .product(name: "WarblerFeatures", package: "Warbler"),
                .product(name: "WarblerTraining", package: "Warbler"),
            ],
            swiftSettings: fuzzTarget),
    ]
)
