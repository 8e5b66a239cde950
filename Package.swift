// swift-tools-version:6.0
// Warbler: bird-call detection in Swift. Target layout follows shared/guides/architecture.md;
// dependencies point down only. Release code is built for Haswell-class x86-64 (AVX2 + FMA):
// without it SIMD FMA lowers to `fmaf` calls and the numeric kernels run 10-20x slower.
import PackageDescription

let releaseCPU: [SwiftSetting] = [
    .unsafeFlags(["-target-cpu", "haswell"], .when(configuration: .release))
]

let package = Package(
    name: "Warbler",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "warbler", targets: ["warbler"]),
        .library(name: "WarblerAudio", targets: ["WarblerAudio"]),
        .library(name: "WarblerFeatures", targets: ["WarblerFeatures"]),
        .library(name: "WarblerTensor", targets: ["WarblerTensor"]),
        .library(name: "WarblerCUDA", targets: ["WarblerCUDA"]),
        .library(name: "WarblerModels", targets: ["WarblerModels"]),
        // Also used by the fuzz targets in Fuzz/ (a separate package that depends on this one).
        .library(name: "WarblerIO", targets: ["WarblerIO"]),
        .library(name: "WarblerNN", targets: ["WarblerNN"]),
        .library(name: "WarblerMetrics", targets: ["WarblerMetrics"]),
        .library(name: "WarblerTraining", targets: ["WarblerTraining"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // System-library shims over Debian packages.
        .systemLibrary(name: "CSndFile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CSoxr", providers: [.apt(["libsoxr-dev"])]),
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        // CSoxr, CBLAS and CDNNL are headers only: CLazyLibraries loads soxr, OpenBLAS and oneDNN
        // when first called (Sources/CLazyLibraries/include/CLazyLibraries.h).
        .systemLibrary(name: "CBLAS", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
        .target(name: "CLazyLibraries", linkerSettings: [.linkedLibrary("dl")]),
        // Read-only windows onto a file, guarded against it shrinking while mapped (a WAV read
        // in place: Sources/CMappedFile/include/CMappedFile.h).
        .target(name: "CMappedFile"),
        // Hand-declared CUDA prototypes; the libraries are loaded with dlopen at run time, so
        // nothing of CUDA is needed to build.
        .target(name: "CCUDA"),

        // File formats every layer needs: .npy/.npz, PNG, atomic writes.
        .target(name: "WarblerIO", dependencies: ["CPNG"], swiftSettings: releaseCPU),
        .target(name: "WarblerAudio", dependencies: ["CSndFile", "CSoxr", "CLazyLibraries", "CMappedFile"], swiftSettings: releaseCPU),
        .target(name: "WarblerFeatures", dependencies: ["CFFTW"], swiftSettings: releaseCPU),
        .target(name: "WarblerPlot", dependencies: ["WarblerIO"], swiftSettings: releaseCPU),
        .target(name: "WarblerTensor", dependencies: ["CBLAS", "CDNNL", "CLazyLibraries"], swiftSettings: releaseCPU),
        .target(name: "WarblerNN", dependencies: ["WarblerTensor", "WarblerIO"], swiftSettings: releaseCPU),
        // Challenge metrics shared by training (validation) and detection (evaluate).
        .target(name: "WarblerMetrics", dependencies: ["WarblerIO"], swiftSettings: releaseCPU),
        // Long-recording detection: windows, event decoding, writers, the run journal.
        .target(
            name: "WarblerDetect",
            dependencies: [
                "WarblerAudio", "WarblerFeatures", "WarblerIO", "WarblerMetrics", "WarblerPlot",
                "WarblerModels", "WarblerNN", "WarblerTensor",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: releaseCPU),
        // The training loop, validation and checkpoints of the seed's recipe.
        .target(
            name: "WarblerTraining",
            dependencies: [
                "WarblerAudio", "WarblerFeatures", "WarblerIO", "WarblerMetrics", "WarblerTensor",
                "WarblerNN", "WarblerPlot", "WarblerModels",
            ],
            swiftSettings: releaseCPU),
        // Synthetic species, training sets and soundscapes with ground truth (tests, the demo).
        .target(name: "WarblerSynth", dependencies: ["WarblerAudio", "WarblerIO", "WarblerMetrics"], swiftSettings: releaseCPU),
        // ResNeSt backbones and the SED model (timm/PyTorch keys), checkpoints.
        .target(name: "WarblerModels", dependencies: ["WarblerNN"], swiftSettings: releaseCPU),
        // The CUDA backend and GPU front-end; registers itself with WarblerTensor when asked.
        .target(name: "WarblerCUDA", dependencies: ["CCUDA", "WarblerTensor", "WarblerFeatures"], swiftSettings: releaseCPU),
        .executableTarget(
            name: "warbler",
            dependencies: [
                "WarblerIO", "WarblerAudio", "WarblerFeatures", "WarblerPlot", "WarblerTensor", "WarblerNN", "WarblerMetrics", "WarblerSynth", "WarblerDetect",
                "WarblerCUDA", "CBLAS", "CDNNL", "WarblerModels", "WarblerTraining", "WarblerCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: releaseCPU,
            // The Swift runtime and Foundation linked in: the dynamic loader then resolves a few
            // hundred symbols instead of ~25,000, which halves every command's start-up
            // (docs/benchmarks.md, "Whole-process spectrogram").
            // (The static Foundation's own dependencies are not autolinked from an archive: named here.)
            // Linked as a non-PIE executable: the static runtime's ~88,000 relative relocations are
            // then resolved by the linker instead of at every start (warbler --version 7.6 -> 5.6
            // ms; docs/benchmarks.md, "Reading a WAV in place"). The program's own code is not at a
            // random address; libraries, stack and heap still are.
            linkerSettings: [.unsafeFlags(["-static-stdlib", "-Xclang-linker", "-no-pie"], .when(configuration: .release))]
                + ["CoreFoundation", "_FoundationICU", "_FoundationCShims", "_FoundationCollections"].map {
                    .linkedLibrary($0, .when(configuration: .release))
                }),
        // What `warbler` and `warbler-bench` share: option groups, error reporting and exit
        // statuses, progress lines, output folders, signals, the thread policy.
        .target(
            name: "WarblerCommandLine",
            dependencies: [
                "WarblerIO", "WarblerAudio", "WarblerFeatures", "WarblerTensor", "WarblerCUDA", "WarblerTraining",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: releaseCPU),
        // Timings for bench/*.py and the batches bench/train.py replays: built beside `warbler`,
        // not part of it.
        .executableTarget(
            name: "warbler-bench",
            dependencies: [
                "WarblerIO", "WarblerAudio", "WarblerFeatures", "WarblerTensor", "WarblerNN", "WarblerModels", "WarblerTraining",
                "WarblerCUDA", "WarblerCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: releaseCPU),

        // Fixture loading and array comparison shared by the test targets (not a product).
        .target(name: "WarblerTestSupport", dependencies: ["WarblerIO", "WarblerTensor"], path: "Tests/WarblerTestSupport"),
        .testTarget(name: "WarblerIOTests", dependencies: ["WarblerIO", "WarblerTestSupport"]),
        .testTarget(name: "WarblerAudioTests", dependencies: ["WarblerAudio", "WarblerIO", "WarblerTestSupport"]),
        .testTarget(name: "WarblerFeaturesTests", dependencies: ["WarblerFeatures", "WarblerAudio", "WarblerIO", "WarblerTestSupport"]),
        .testTarget(name: "WarblerPlotTests", dependencies: ["WarblerPlot", "WarblerIO"]),
        .testTarget(name: "WarblerTensorTests", dependencies: ["WarblerTensor", "WarblerIO", "WarblerTestSupport"]),
        .testTarget(
            name: "WarblerDetectTests",
            dependencies: [
                "WarblerDetect", "WarblerMetrics", "WarblerIO", "WarblerTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        .testTarget(name: "WarblerSynthTests", dependencies: ["WarblerSynth", "WarblerAudio", "WarblerIO", "WarblerMetrics"]),
        .testTarget(name: "WarblerMetricsTests", dependencies: ["WarblerMetrics", "WarblerIO", "WarblerTestSupport"]),
        .testTarget(
            name: "WarblerTrainingTests",
            dependencies: [
                "WarblerTraining", "WarblerAudio", "WarblerFeatures", "WarblerIO", "WarblerMetrics", "WarblerSynth", "WarblerNN",
                "WarblerTensor",
            ]),
        .testTarget(name: "WarblerNNTests", dependencies: ["WarblerNN", "WarblerTensor", "WarblerIO", "WarblerTestSupport"]),
        .testTarget(name: "WarblerCUDATests", dependencies: ["WarblerCUDA", "WarblerTensor", "WarblerFeatures", "WarblerTestSupport"]),
        .testTarget(
            name: "WarblerModelsTests",
            dependencies: ["WarblerModels", "WarblerNN", "WarblerTensor", "WarblerIO", "WarblerTestSupport"]),
        // Runs the built `warbler` and `warbler-bench` binaries as a user would. Not dependencies on
        // the executable targets: that would link them (and warbler's static Swift runtime) into
        // the test bundle; `swift build --build-tests` and `swift test` build the binaries anyway.
        .testTarget(
            name: "WarblerCLITests",
            dependencies: [
                "WarblerAudio", "WarblerFeatures", "WarblerIO", "WarblerModels", "WarblerNN",
                "WarblerTensor", "WarblerTraining", "WarblerTestSupport",
            ]),
    ]
)
