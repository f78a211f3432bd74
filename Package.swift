// swift-tools-version: 6.0
//
// keyscope: API key scopes as code.
//
// The targets follow the data flow, one stage per module:
//
//   CYAML (libyaml) -> KeyscopeYAML (strict nodes with positions)
//     -> KeyscopePolicy (model, findings, rules)
//     -> KeyscopeCompiler (policy -> signed table bytes, through KeyscopeTableTools)
//     -> KeyscopeReview (access diff) / KeyscopePublish (deployed state)
//     -> keyscope (the command line)
//
// KeyscopeAccess is the access model every stage asks; KeyscopeSupport holds shared helpers
// (package access) and KeyscopeIO the adapters to files, git and HTTP. A gateway links only
// KeyscopeRuntime -> KeyscopeTable (the verifying reader). The README's "Architecture" table
// lists what each module may import; ArchitectureTests holds this file to it.
//
// Linux only: the code calls Glibc directly and is built and tested on Linux alone, so no
// Apple platform is claimed.
import PackageDescription

let package = Package(
    name: "keyscope",
    products: [
        .executable(name: "keyscope", targets: ["keyscope"]),
        .executable(name: "keyscope-bench", targets: ["keyscope-bench"]),
        .executable(name: "keyscope-serve", targets: ["keyscope-serve"]),
        .library(name: "KeyscopeRuntime", targets: ["KeyscopeRuntime"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        // keyscope-serve only: the HTTP service gateways delegate to (SPEC §11).
        .package(url: "https://github.com/apple/swift-nio", from: "2.100.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
    ],
    targets: [
        // libyaml, from the system (apt: libyaml-dev, pkg-config: yaml-0.1).
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"]), .brew(["libyaml"])]
        ),

        // The access model: what a key reaches under a catalog, what is internal and external,
        // when two keys are alike, and how a change of access ranks (SPEC §3, §6). No dependencies.
        .target(name: "KeyscopeAccess"),

        // Concurrency and bounded-read helpers every stage shares (package access only): slots
        // filled by workers, chunked parallel loops, the core count, bytewise string order,
        // whole-file reads under a size limit, allocator settings for batch runs.
        .target(name: "KeyscopeSupport"),

        // The adapters to the outside world for the tools (files written atomically, git, HTTP):
        // the only place a library starts a process or opens a network connection.
        .target(name: "KeyscopeIO", dependencies: ["KeyscopeSupport"]),

        // Source bytes -> strict YAML node tree with file/line/column on every node.
        .target(name: "KeyscopeYAML", dependencies: ["CYAML"]),

        // Node trees -> policy model + diagnostics (SPEC §2, §3).
        .target(name: "KeyscopePolicy", dependencies: ["KeyscopeYAML", "KeyscopeAccess", "KeyscopeSupport"]),

        // The binary scope table as a gateway reads it: format, verifying reader, decisions (SPEC §4, §5, §8).
        .target(
            name: "KeyscopeTable", dependencies: ["KeyscopeSupport", .product(name: "Crypto", package: "swift-crypto")]),

        // What the tools do with tables beyond reading: encode, sign, decode whole, compare.
        .target(
            name: "KeyscopeTableTools",
            dependencies: [
                "KeyscopeAccess", "KeyscopeSupport", "KeyscopeTable", .product(name: "Crypto", package: "swift-crypto"),
            ]),

        // Policy model -> table bytes.
        .target(
            name: "KeyscopeCompiler",
            dependencies: ["KeyscopePolicy", "KeyscopeSupport", "KeyscopeTable", "KeyscopeTableTools"]),

        // Access review: states from policies, git, tables, publish directories, URLs; ranked diff; CODEOWNERS;
        // explanations (explain, who-can); review plans (digests of what was approved).
        .target(
            name: "KeyscopeReview",
            dependencies: [
                "KeyscopeAccess", "KeyscopeIO", "KeyscopePolicy", "KeyscopeSupport", "KeyscopeTable",
                "KeyscopeTableTools",
            ]),

        // Publishing: verified, serial-checked, crash-safe replacement of DIR/<product>/current.kst.
        .target(
            name: "KeyscopePublish",
            dependencies: [
                "KeyscopeIO", "KeyscopeTable", "KeyscopeTableTools",
            ]),

        // What a gateway embeds: verify, load, decide, hot swap (SPEC §8).
        .target(name: "KeyscopeRuntime", dependencies: ["KeyscopeTable"]),

        // The authorization service gateways delegate to (SPEC §11): SwiftNIO HTTP/1, table sources
        // (watched file, polled URL), Prometheus metrics, JSON-lines logs, graceful shutdown.
        .target(
            name: "KeyscopeServe",
            dependencies: [
                "KeyscopeRuntime", "KeyscopeIO",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),

        // `keyscope-serve` (run by `keyscope serve`): its own executable, so that building the
        // command-line tool never builds SwiftNIO.
        .executableTarget(
            name: "keyscope-serve",
            dependencies: [
                "KeyscopeServe", "KeyscopeRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),

        // Deterministic SPEC §10 corpora, for tests and benchmarks.
        .target(name: "KeyscopeCorpus", dependencies: []),

        // The command line: parses arguments, calls the libraries, renders.
        .executableTarget(
            name: "keyscope",
            dependencies: [
                "KeyscopeAccess", "KeyscopeIO", "KeyscopeSupport", "KeyscopePolicy", "KeyscopeCompiler",
                "KeyscopeTable", "KeyscopeTableTools", "KeyscopeRuntime", "KeyscopeCorpus", "KeyscopeReview",
                "KeyscopePublish",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Allocation counting for the benchmark only (interposes malloc; never linked into keyscope itself).
        .target(name: "CMallocCounter"),

        // `swift run -c release keyscope-bench`: every performance claim, next to its reference point, in one run.
        .executableTarget(
            name: "keyscope-bench",
            dependencies: [
                "CYAML", "CMallocCounter", "KeyscopeAccess", "KeyscopeSupport", "KeyscopeYAML", "KeyscopePolicy",
                "KeyscopeCompiler", "KeyscopeTable", "KeyscopeTableTools", "KeyscopeRuntime", "KeyscopeCorpus",
                "KeyscopeReview",
            ]
        ),

        // Fuzz targets: one entry point per reader of hostile input (Fuzz/README.md).
        .target(
            name: "KeyscopeFuzzing",
            dependencies: [
                "KeyscopeAccess", "KeyscopeYAML", "KeyscopePolicy", "KeyscopeTable", "KeyscopeTableTools",
                "KeyscopeReview",
            ]),
        .target(name: "CFuzzerDriver"),
        // `Fuzz/run.sh TARGET SECONDS` builds it with libFuzzer; the normal build replays files.
        .executableTarget(name: "keyscope-fuzz", dependencies: ["KeyscopeFuzzing", "CFuzzerDriver"]),

        // Shared helpers for the test targets (marked sources, fixtures, running the binary).
        .target(
            name: "KeyscopeTestSupport", dependencies: ["KeyscopeYAML", "KeyscopePolicy"],
            path: "Tests/KeyscopeTestSupport"),

        .testTarget(name: "KeyscopeAccessTests", dependencies: ["KeyscopeAccess"]),
        .testTarget(name: "KeyscopeYAMLTests", dependencies: ["KeyscopeYAML", "KeyscopeTestSupport"]),
        .testTarget(
            name: "KeyscopePolicyTests", dependencies: ["KeyscopePolicy", "KeyscopeSupport", "KeyscopeTestSupport"]),
        .testTarget(
            name: "KeyscopeTableTests",
            dependencies: [
                "KeyscopeSupport", "KeyscopeCompiler", "KeyscopeTable", "KeyscopeTableTools", "KeyscopeRuntime",
                "KeyscopeCorpus", "KeyscopeTestSupport",
            ]),
        .testTarget(
            name: "KeyscopeReviewTests",
            dependencies: [
                "KeyscopeAccess", "KeyscopeReview", "KeyscopeCompiler", "KeyscopeTable", "KeyscopeTableTools",
                "KeyscopeTestSupport",
            ]),
        .testTarget(
            name: "KeyscopePublishTests",
            dependencies: ["KeyscopeIO", "KeyscopeTable", "KeyscopeTableTools", "KeyscopeTestSupport"]),
        .testTarget(name: "KeyscopeFuzzingTests", dependencies: ["KeyscopeFuzzing", "KeyscopeTestSupport"]),
        .testTarget(name: "KeyscopeEndToEndTests", dependencies: ["KeyscopePolicy", "KeyscopeTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
