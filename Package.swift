// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "ChannelCast",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "channelcastd", targets: ["channelcastd"]),
    .executable(name: "channelcast", targets: ["channelcast"]),
    .executable(name: "channelcast-bench", targets: ["channelcast-bench"]),
    .library(name: "ChannelCastClient", targets: ["ChannelCastClient", "ChannelCastKeys"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
    .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
    .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
  ],
  targets: [
    // The C library, from Debian's libzmq3-dev (headers in /usr/include, so no pkg-config flags).
    .systemLibrary(
      name: "CZeroMQ",
      providers: [.apt(["libzmq3-dev"])]
    ),
    // A small, safe Swift binding over libzmq. Knows nothing about channels.
    .target(name: "ZeroMQ", dependencies: ["CZeroMQ"]),
    // The NATS C client (nats.c), from Debian's libnats-dev: cluster mode's replicated log.
    .systemLibrary(
      name: "CNATS",
      pkgConfig: "libnats",
      providers: [.apt(["libnats-dev"])]
    ),
    // A small Swift binding over the NATS C client: connections, core messages and
    // subscriptions, JetStream streams, publishes (one or a batch) and ordered reads. Knows
    // nothing about channels.
    .target(name: "NATS", dependencies: ["CNATS"]),
    // CURVE keys as files and text: key files, public keys on command lines. Knows nothing about
    // channels.
    .target(
      name: "ChannelCastKeys",
      dependencies: ["ZeroMQ", .product(name: "TOMLKit", package: "TOMLKit")]
    ),
    // The wire protocol's vocabulary: the JSON reader and writer, request ops, error codes,
    // event types, field limits and the delivery envelopes. Imports nothing of the project: the
    // client, the CLI and the bench speak the protocol without the domain core.
    .target(name: "ChannelCastProtocol"),
    // The domain: channels, subscriptions, validation, index, history, fan-out.
    // Knows nothing about sockets.
    .target(name: "ChannelCastCore", dependencies: ["ChannelCastProtocol"]),
    // Durable record files: checksummed frames, journals, snapshots, the locked data directory.
    // Knows nothing about channels: it stores opaque typed records.
    // Durable files: framed, checksummed records, the journal, the locked data directory.
    // Knows nothing about channels.
    .target(name: "ChannelCastStorage"),
    // Cluster mode: the domain core over a replicated log on NATS JetStream (the log, the
    // ledger's reading, heartbeats, partition assignment). Knows nothing about sockets.
    .target(
      name: "ChannelCastCluster",
      dependencies: ["ChannelCastCore", "ChannelCastProtocol", "NATS"]
    ),
    // The daemon's wiring: configuration, the command socket, the delivery socket, the
    // gateway socket, and a cluster node's forwarding.
    .target(
      name: "ChannelCastServer",
      dependencies: [
        "ChannelCastCore", "ChannelCastProtocol", "ChannelCastStorage", "ChannelCastKeys",
        "ChannelCastCluster", "NATS", "ZeroMQ",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "TOMLKit", package: "TOMLKit"),
        .product(name: "CoreMetrics", package: "swift-metrics"),
        .product(name: "Prometheus", package: "swift-prometheus"),
      ]
    ),
    // A client of the protocol, used by the command-line tool, the tests and the benchmarks.
    .target(
      name: "ChannelCastClient", dependencies: ["ZeroMQ", "ChannelCastProtocol", "ChannelCastKeys"]
    ),
    .executableTarget(
      name: "channelcastd",
      dependencies: [
        "ChannelCastServer",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "UnixSignals", package: "swift-service-lifecycle"),
      ]
    ),
    .executableTarget(
      name: "channelcast",
      dependencies: [
        "ChannelCastClient", "ChannelCastKeys", "ChannelCastProtocol",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    // The load-test harness (issue: load-test benchmarks): scenarios against a real daemon.
    .executableTarget(
      name: "channelcast-bench",
      dependencies: [
        "ChannelCastClient", "ChannelCastCore", "ChannelCastProtocol", "ZeroMQ",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Histogram", package: "hdrhistogram-swift"),
      ],
      path: "Benchmarks/channelcast-bench"
    ),
    // Fuzz targets (docs/architecture.md: Fuzzing). `make fuzz` builds them with `-D FUZZING` and
    // `-sanitize=fuzzer,address` as libFuzzer programs; a plain build makes them programs that
    // run the inputs they are given once each.
    .target(name: "CLibFuzzer", path: "Fuzz/CLibFuzzer"),
    .target(
      name: "FuzzHarness", dependencies: ["ChannelCastCore", "ChannelCastProtocol"],
      path: "Fuzz/FuzzHarness"),
    .executableTarget(
      name: "RequestFuzzer", dependencies: ["ChannelCastCore", "FuzzHarness", "CLibFuzzer"],
      path: "Fuzz/RequestFuzzer"
    ),
    .executableTarget(
      name: "JournalFuzzer",
      dependencies: [
        "ChannelCastCore", "ChannelCastProtocol", "ChannelCastStorage", "FuzzHarness", "CLibFuzzer",
      ],
      path: "Fuzz/JournalFuzzer"
    ),
    .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ"]),
    // nats-server processes for the tests that need NATS (cluster mode's).
    .target(name: "NATSTestSupport", path: "Tests/NATSTestSupport"),
    .testTarget(
      name: "ClusterTests",
      dependencies: [
        "NATS", "ChannelCastCluster", "ChannelCastCore", "ChannelCastProtocol", "NATSTestSupport",
      ]),
    .testTarget(
      name: "ChannelCastKeysTests",
      dependencies: ["ChannelCastKeys", "ChannelCastClient", "ZeroMQ"]
    ),
    .testTarget(name: "ChannelCastProtocolTests", dependencies: ["ChannelCastProtocol"]),
    .testTarget(
      name: "ChannelCastCoreTests", dependencies: ["ChannelCastCore", "ChannelCastProtocol"]),
    .testTarget(name: "ChannelCastStorageTests", dependencies: ["ChannelCastStorage"]),
    .testTarget(
      name: "ChannelCastServerTests",
      dependencies: [
        "ChannelCastServer", "ChannelCastClient", "ZeroMQ", "ChannelCastCore",
        "ChannelCastProtocol", "NATSTestSupport",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ]
    ),
    .testTarget(
      name: "EndToEndTests",
      dependencies: [
        "ChannelCastClient", "ChannelCastProtocol", "ChannelCastCore", "ZeroMQ", "NATS",
        "NATSTestSupport",
      ]),
  ],
  swiftLanguageModes: [.v6]
)
