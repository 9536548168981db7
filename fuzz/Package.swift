// swift-tools-version: 6.0
// fnhost's libFuzzer targets: a package of its own, so that the fuzzing flags (-sanitize=fuzzer,address)
// never reach the main build or `swift test`. Built and run by scripts/fuzz, into .build-fuzz/.
//
// Each executable is one fuzz target: its main hands a test-one-input function to libFuzzer's driver
// (`LLVMFuzzerRunDriver`), so every libFuzzer flag (-runs=N, -dict=, -artifact_prefix=, a corpus folder,
// a crash file to replay) works as with any libFuzzer binary.
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "fnhost-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "fnhost", path: "..")
    ],
    targets: [
        // The declaration of libFuzzer's driver entry (the library itself comes with -sanitize=fuzzer).
        .target(name: "CFuzzerDriver"),
        // What the targets share: running the driver, invariant checks, splitting inputs.
        .target(name: "FuzzSupport", dependencies: ["CFuzzerDriver"], swiftSettings: strict),
        .executableTarget(
            name: "fuzz-event-builder",
            dependencies: ["FuzzSupport", .product(name: "FunctionRuntime", package: "fnhost")],
            swiftSettings: strict),
        .executableTarget(
            name: "fuzz-response-mapper",
            dependencies: ["FuzzSupport", .product(name: "FunctionRuntime", package: "fnhost")],
            swiftSettings: strict),
        .executableTarget(
            name: "fuzz-fixture-suite",
            dependencies: [
                "FuzzSupport", .product(name: "FunctionRuntime", package: "fnhost"),
                .product(name: "FixtureRunner", package: "fnhost"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "fuzz-cron",
            dependencies: ["FuzzSupport", .product(name: "FunctionRuntime", package: "fnhost")],
            swiftSettings: strict),
    ]
)
