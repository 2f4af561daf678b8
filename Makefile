# The two commands of the README's quick start, the CI's sanitizer run, the cluster's tests and
# the deployment checks. `make run` and `make test` install libzmq3-dev, and for cluster mode the
# NATS C client and server, libnats-dev and nats-server, when they are missing (with sudo when
# not root).

SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
SWIFT_TEST := swift test --disable-xctest

.PHONY: deps deploy-deps build build-install run test test-cluster test-cluster-faults test-tsan \
	test-install verify-unit fuzz cluster-demo clean

deps:
	@dpkg -s libzmq3-dev libnats-dev nats-server >/dev/null 2>&1 || \
		($(SUDO) apt-get update && $(SUDO) apt-get install -y libzmq3-dev libnats-dev nats-server)

build: deps
	swift build -c release

run: build
	.build/release/channelcastd

test: deps
	$(SWIFT_TEST)

# The protocol's tests again, each against a cluster of three nodes on a nats-server of its own
# (CHANNELCAST_TEST_CLUSTER=1, see Tests/ChannelCastServerTests/TestDaemon.swift), requests
# spread over the nodes.
CLUSTER_SUITES := AccountOperationTests|SubscriptionOperationTests|MessageOperationTests
CLUSTER_SUITES := $(CLUSTER_SUITES)|ProtocolTests|AbuseLimitTests|HostileInputTests
CLUSTER_SUITES := $(CLUSTER_SUITES)|BoundedFanOutTests|SlowConsumerPolicyTests
CLUSTER_SUITES := $(CLUSTER_SUITES)|FanOutIntegrationTests|ClusterGatewayTests
test-cluster: deps
	CHANNELCAST_TEST_CLUSTER=1 $(SWIFT_TEST) --filter '$(CLUSTER_SUITES)'

# The cluster's fault tests (Tests/EndToEndTests/ClusterFaultTests.swift): three nats-server and
# three channelcastd processes; kill -9 of a node during a broadcast and of the stream's leader,
# two NATS servers down and back, a node paused for 30 s, a node cut off the network in a network
# namespace and joined again (as root); and a node started again after the log was trimmed, from
# the snapshot (ClusterSnapshotProcessTests.swift). FAULT_RUNS times in a row (default 1).
FAULT_RUNS ?= 1
test-cluster-faults: deps
	swift build --build-tests
	for run in $$(seq $(FAULT_RUNS)); do \
		echo "fault tests, run $$run of $(FAULT_RUNS)"; \
		CHANNELCAST_CLUSTER_FAULTS=1 $(SWIFT_TEST) --skip-build \
			--filter 'ClusterFaultTests|ClusterSnapshotProcessTests' || exit 1; \
	done

# Three NATS servers and three channelcastd nodes on loopback until Ctrl-C (Deploy/cluster/).
cluster-demo: build
	Deploy/cluster/demo.sh .build/release

# The binding, core, storage, daemon and replicated-log tests under ThreadSanitizer, in their
# own build folder.
TSAN_TEST := TSAN_OPTIONS="suppressions=$(CURDIR)/.ci/tsan-suppressions.txt halt_on_error=1" \
	$(SWIFT_TEST) --sanitize=thread --scratch-path .build-tsan
# The cluster's threads too: the replicated log's tests on a nats-server, then the protocol's
# tests that pass under ThreadSanitizer's slowness with the test clusters' short heartbeats
# (in-process nodes: log reader, heartbeats, forwarding, snapshot writer, the C client's
# callbacks).
TSAN_CLUSTER_SUITES := MessageOperationTests|SubscriptionOperationTests|AccountOperationTests
TSAN_CLUSTER_SUITES := $(TSAN_CLUSTER_SUITES)|ClusterGatewayTests|ProtocolTests
test-tsan: deps
	$(TSAN_TEST) --filter \
		'ZeroMQTests|ChannelCastProtocolTests|ChannelCastCoreTests|ChannelCastStorageTests|ChannelCastServerTests|ClusterTests\.'
	CHANNELCAST_TEST_CLUSTER=1 $(TSAN_TEST) --skip-build --filter '$(TSAN_CLUSTER_SUITES)'

# The fuzz targets (Fuzz/), built as libFuzzer programs with AddressSanitizer in their own build
# folder, each run for FUZZ_SECONDS on a copy of its seed corpus (Fuzz/Corpus); fails on a crash.
FUZZ_SECONDS ?= 60
FUZZ_BUILD := swift build -c release --scratch-path .build-fuzz \
	-Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING

fuzz: deps
	$(FUZZ_BUILD) --product RequestFuzzer
	$(FUZZ_BUILD) --product JournalFuzzer
	Fuzz/run-fuzzer.sh RequestFuzzer Fuzz/Corpus/Request $(FUZZ_SECONDS)
	Fuzz/run-fuzzer.sh JournalFuzzer Fuzz/Corpus/Journal $(FUZZ_SECONDS)

# systemd-analyze for verify-unit: the package systemd, installed, not started.
deploy-deps: deps
	@command -v systemd-analyze >/dev/null 2>&1 || \
		($(SUDO) apt-get update && $(SUDO) apt-get install -y systemd)

# The binaries as Deploy/install.sh builds them, with the Swift runtime linked in, in their own
# build folder (a different flag in .build would rebuild everything there).
build-install: deploy-deps
	swift build -c release --static-swift-stdlib --scratch-path .build-install

# Deploy/install.sh into temporary roots (files, modes, a second run, --uninstall), the
# installed unit through systemd-analyze verify, the Grafana dashboard and Prometheus config.
test-install: build-install
	Deploy/test-install.sh

# The unit alone: installed into a temporary root, then systemd-analyze verify on a copy whose
# ExecStart= names the binary installed there.
verify-unit: build-install
	Deploy/test-install.sh test_installed_unit_passes_systemd_analyze_verify

clean:
	rm -rf .build .build-tsan .build-install .build-fuzz
