// swift-tools-version: 6.0
// fnhost: poehali.dev-style cloud functions on one's own machine, behind nginx over FastCGI.
//
// Layers point one way:
//   C module maps (CFCGI, CLibPQ, CCurl)
//   -> thin safe wrappers (FastCGI, Postgres, HTTPClient)
//   -> the runtime (FunctionRuntime: event model; FunctionHost: master, pools, nginx; FixtureRunner: tests.json)
//   -> the functions in functions/<name>/
//   -> the CLI (FnhostCLI) and a main of a few lines (fnhost).
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "fnhost",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "fnhost", targets: ["fnhost"]),
        .executable(name: "replicate-standin", targets: ["replicate-standin"]),
        .executable(name: "fnhost-python", targets: ["fnhost-python"]),
        // For the libFuzzer package in fuzz/ (built apart, with its own flags; see scripts/fuzz).
        .library(name: "FunctionRuntime", targets: ["FunctionRuntime"]),
        .library(name: "FixtureRunner", targets: ["FixtureRunner"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C libraries, as Debian ships them.
        .systemLibrary(name: "CFCGI", pkgConfig: "fcgi", providers: [.apt(["libfcgi-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CPython", pkgConfig: "python3-embed", providers: [.apt(["python3-dev"])]),
        // The embedded interpreter's few calls, in C: reference counts and the GIL stay on that side.
        .target(name: "CPythonSupport", dependencies: ["CPython"]),

        // Thin safe wrappers: every C call passes one checked helper, C strings are copied out at once.
        .target(name: "FastCGI", dependencies: ["CFCGI"], swiftSettings: strict),
        .target(name: "Postgres", dependencies: ["CLibPQ", "Hashing"], swiftSettings: strict),
        .target(name: "HTTPClient", dependencies: ["CCurl", "CHostSupport"], swiftSettings: strict),
        // SHA-256, HMAC-SHA256, base64 and hex in plain Swift (no C library, no package): migration
        // checksums and webhook signatures.
        .target(name: "Hashing", swiftSettings: strict),
        // Webhook signatures (Standard Webhooks, as Replicate signs): the stand-in signs, receivers verify.
        .target(name: "WebhookSignature", dependencies: ["Hashing"], swiftSettings: strict),
        // The Replicate model the try-on runs and its pinned version: the worker and the stand-in agree on it.
        .target(name: "ReplicateModel", swiftSettings: strict),

        // The runtime.
        .target(name: "FunctionRuntime", dependencies: ["Hashing"], swiftSettings: strict),
        .target(name: "FixtureRunner", dependencies: ["FunctionRuntime", "HTTPClient"], swiftSettings: strict),
        .target(name: "CHostSupport"),
        .target(name: "FunctionHost", dependencies: ["FunctionRuntime", "FastCGI", "CHostSupport", "Postgres"], swiftSettings: strict),
        // Python functions: the embedded interpreter and the handler contract (only the `fnhost-python`
        // worker links libpython), and the tooling around them that needs no interpreter (virtual
        // environments per requirements set, the scan for environment variables).
        .target(name: "PythonRuntime", dependencies: ["FunctionRuntime", "CPythonSupport"], swiftSettings: strict),
        .target(name: "PythonTooling", dependencies: ["FunctionRuntime", "CHostSupport"], swiftSettings: strict),
        .executableTarget(
            name: "fnhost-python",
            dependencies: [
                "PythonRuntime", "PythonTooling", "FunctionHost", "FunctionRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),

        // Project mode's decisions (a poehali.dev export run as it is): its layout, its `.env`, the schema
        // its migrations use, the variables nobody set. Pure: the CLI does the I/O.
        .target(name: "FnhostProject", swiftSettings: strict),

        // The shipped functions: the try-on job system (functions/<name>/, one target each) and the code
        // they share (all SQL for replicate_tasks and its companion tables, the Replicate client, validation).
        .target(
            name: "TryOnCore", dependencies: ["FunctionRuntime", "Postgres", "HTTPClient", "ReplicateModel"], path: "functions/shared/TryOnCore",
            swiftSettings: strict),
        .target(
            name: "ReplicateAsyncStart", dependencies: ["TryOnCore", "FunctionRuntime", "HTTPClient", "Postgres", "Hashing"],
            path: "functions/replicate-async-start", exclude: ["function.json", "tests.json"], swiftSettings: strict),
        .target(
            name: "ReplicateAsyncWorker", dependencies: ["TryOnCore", "FunctionRuntime", "HTTPClient"],
            path: "functions/replicate-async-worker", exclude: ["function.json", "tests.json"], swiftSettings: strict),
        .target(
            name: "ReplicateAsyncStatus", dependencies: ["TryOnCore", "FunctionRuntime"],
            path: "functions/replicate-async-status", exclude: ["function.json", "tests.json"], swiftSettings: strict),
        .target(
            name: "ReplicateWebhook", dependencies: ["TryOnCore", "FunctionRuntime", "WebhookSignature"],
            path: "functions/replicate-webhook", exclude: ["function.json", "tests.json"], swiftSettings: strict),
        .target(
            name: "ReplicateResults", dependencies: ["TryOnCore", "FunctionRuntime"],
            path: "functions/replicate-results", exclude: ["function.json", "tests.json"], swiftSettings: strict),

        // The offline Replicate stand-in: a real HTTP server with Replicate's prediction API, a scripted
        // timeline, fault switches and a call log (used by `make run` without a token, and by the tests).
        .target(
            name: "ReplicateStandIn", dependencies: ["FunctionRuntime", "HTTPClient", "WebhookSignature", "Hashing", "ReplicateModel", "CHostSupport"],
            swiftSettings: strict),
        .executableTarget(name: "replicate-standin", dependencies: ["ReplicateStandIn", "WebhookSignature"], swiftSettings: strict),

        // The CLI: a library so that a test build can register extra (test-only) functions.
        .target(
            name: "FnhostCLI",
            dependencies: [
                "FunctionRuntime", "FunctionHost", "FixtureRunner", "HTTPClient", "Postgres", "PythonTooling", "FnhostProject", "CHostSupport",
                "TryOnCore", "ReplicateAsyncStart", "ReplicateAsyncWorker", "ReplicateAsyncStatus", "ReplicateWebhook",
                "ReplicateResults",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(name: "fnhost", dependencies: ["FnhostCLI"], swiftSettings: strict),

        // Test-only functions (echo, sleep, crash, ...) and the host binary that serves them.
        // They are not part of the shipped `fnhost`.
        .target(name: "TestFunctions", dependencies: ["FunctionRuntime"], path: "Tests/TestFunctions", swiftSettings: strict),
        .executableTarget(
            name: "fnhost-testhost", dependencies: ["FnhostCLI", "TestFunctions"], path: "Tests/TestHost",
            swiftSettings: strict
        ),

        // What the test targets share (Hummingbird's HummingbirdTesting is the model): the package root, the
        // test database, loopback sockets and raw HTTP, test servers, the real stacks (host, try-on, Python)
        // and one `poll(within:until:)` every wait goes through. Only test targets depend on it.
        .target(
            name: "FnhostTestSupport", dependencies: ["FunctionRuntime", "HTTPClient", "FastCGI", "Postgres", "CHostSupport"],
            path: "Tests/FnhostTestSupport", swiftSettings: strict),

        .testTarget(name: "FunctionRuntimeTests", dependencies: ["FunctionRuntime", "Hashing", "FnhostTestSupport"], swiftSettings: strict),
        .testTarget(name: "FastCGITests", dependencies: ["FastCGI"], swiftSettings: strict),
        .testTarget(name: "FunctionHostTests", dependencies: ["FunctionHost", "FunctionRuntime", "FnhostTestSupport"], swiftSettings: strict),
        .testTarget(name: "FixtureRunnerTests", dependencies: ["FixtureRunner", "FunctionRuntime"], swiftSettings: strict),
        .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient", "CCurl", "CHostSupport", "FnhostTestSupport"], swiftSettings: strict),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "Hashing", "FnhostTestSupport"], swiftSettings: strict),
        .testTarget(name: "HashingTests", dependencies: ["Hashing"], swiftSettings: strict),
        .testTarget(
            name: "ReplicateStandInTests",
            dependencies: ["ReplicateStandIn", "FunctionRuntime", "WebhookSignature", "Hashing", "HTTPClient", "Postgres", "CHostSupport", "FnhostTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "WebhookSignatureTests", dependencies: ["WebhookSignature", "Hashing", "CHostSupport", "FnhostTestSupport"],
            swiftSettings: strict),
        .testTarget(name: "PythonToolingTests", dependencies: ["PythonTooling"], swiftSettings: strict),
        .testTarget(name: "FnhostProjectTests", dependencies: ["FnhostProject"], swiftSettings: strict),
        .testTarget(
            name: "TryOnCoreTests", dependencies: ["TryOnCore", "FunctionRuntime", "Postgres", "FnhostTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["FunctionRuntime", "HTTPClient", "FunctionHost", "FastCGI", "Postgres", "FnhostProject", "PythonTooling",
                           "WebhookSignature", "Hashing", "CHostSupport", "FnhostTestSupport"],
            swiftSettings: strict
        ),
    ]
)
