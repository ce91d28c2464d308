// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "kvctl",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "kvctl", targets: ["kvctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // libgit2 from the system (Debian: libgit2-dev), found through pkg-config.
        .systemLibrary(
            name: "CLibGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"]), .brew(["libgit2"])]
        ),
        // The only module that sees libgit2: owns every pointer, throws libgit2's messages.
        .target(name: "GitKit", dependencies: ["CLibGit2"]),
        // Pure core: tree model, manifest loader, key rules. Knows nothing of git or HTTP.
        .target(name: "KVCore", dependencies: ["JSONSchema", "TextPositions", .product(name: "Yams", package: "Yams")]),
        // JSON parser with source positions and a draft 2020-12 JSON Schema engine. Pure Swift.
        .target(name: "JSONSchema"),
        // Line, column and byte offset of a place in UTF-8 text, and the line index that finds them.
        .target(name: "TextPositions"),
        // Logstash's pipeline grammar (LSCL), parsed with positions and Logstash-style "expected" errors.
        .target(name: "LogstashConfig", dependencies: ["TextPositions"]),
        // Go text/template as consul-template uses it: parse, collect key references, render with a source map.
        .target(name: "ConsulTemplate", dependencies: ["TextPositions", "JSONSchema"]),
        // One validator type per kind of content, behind the `Validator` protocol. Pure like the core.
        .target(name: "Validation", dependencies: [
            "KVCore", "JSONSchema", "LogstashConfig", "ConsulTemplate", .product(name: "Yams", package: "Yams"),
        ]),
        // `make bench`: Logstash parser throughput on generated snippets.
        .executableTarget(name: "parser-bench", dependencies: ["LogstashConfig"]),
        // Adapters that present a revision, the index or the working tree to the core.
        .target(name: "Snapshots", dependencies: ["GitKit", "KVCore"]),
        // The workflows every front end shares (the CLI, the agent): releases read from tags, the store
        // chosen, the lock-plan-refuse-confirm-apply run. No terminal, no printing: front ends listen.
        .target(name: "Workflows", dependencies: [
            "GitKit", "KVCore", "Snapshots", "Validation", "Publishing", "LocalStore", "ConsulKit",
        ]),
        .executableTarget(
            name: "kvctl",
            dependencies: [
                "KVCore", "Snapshots", "Validation", "Publishing", "LocalStore", "ConsulKit", "Workflows", "GitKit", "Agent",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // What a publish writes to (the `KVStore` protocol) and pure publish planning: no HTTP, no files.
        .target(name: "Publishing", dependencies: ["KVCore", "JSONSchema"]),
        // A `KVStore` in `.kvctl/` at the repository root: publishing with no Consul.
        .target(name: "LocalStore", dependencies: ["Publishing", "KVCore", "JSONSchema"]),
        // Fixture repositories, an in-memory revision and a process runner, shared by the test targets.
        .target(name: "TestSupport", dependencies: ["KVCore"]),
        // Consul's HTTP API as kvctl uses it (AsyncHTTPClient), configured like the consul CLI.
        .target(name: "ConsulKit", dependencies: [
            "Publishing", "KVCore", "JSONSchema",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        // A test tool: an in-process Consul KV/txn/session server on loopback (SwiftNIO), with fault switches.
        .target(name: "ConsulDouble", dependencies: [
            "KVCore", "JSONSchema",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        // glibc's mallopt and malloc_trim (Swift's Glibc module leaves malloc.h out): the agent runs for weeks.
        .systemLibrary(name: "CMalloc"),
        // `kvctl agent`'s parts: webhook verification, metrics, the HTTP endpoint, leadership, the reconcile loop.
        .target(name: "Agent", dependencies: [
            "Workflows", "GitKit", "ConsulKit", "Publishing", "KVCore", "CMalloc",
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // `make soak` and manual use: the Consul double in the foreground.
        .executableTarget(name: "consul-double", dependencies: ["ConsulDouble"]),
        .testTarget(name: "AgentTests", dependencies: [
            "Agent", "GitKit", "ConsulDouble", "ConsulKit", "TestSupport",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .testTarget(name: "KVCoreTests", dependencies: ["KVCore", "TestSupport"]),
        .testTarget(name: "SnapshotsTests", dependencies: ["Snapshots", "GitKit", "KVCore", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["TestSupport"]),
        .testTarget(name: "ReleaseTests", dependencies: ["KVCore", "GitKit", "Snapshots", "TestSupport"]),
        .testTarget(name: "JSONSchemaTests", dependencies: ["JSONSchema", "TestSupport"]),
        .testTarget(name: "ParserTests", dependencies: ["LogstashConfig", "ConsulTemplate", "TextPositions", "TestSupport"]),
        .testTarget(name: "ValidationTests", dependencies: ["Validation", "KVCore", "TestSupport"]),
        .testTarget(name: "PublishingTests", dependencies: ["Publishing", "LocalStore", "KVCore", "TestSupport", "ConsulKit", "ConsulDouble"]),
        // The double is checked through raw AsyncHTTPClient calls, independently of ConsulKit.
        .testTarget(name: "ConsulTests", dependencies: [
            "ConsulKit", "ConsulDouble", "Publishing", "TestSupport", .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
