# The two commands of the README's quick start, and the CI's sanitizer run.
# `make run` and `make test` install libzmq3-dev when it is missing (with sudo when not root).

SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
SWIFT_TEST := swift test --disable-xctest

.PHONY: deps build run test test-tsan clean

deps:
	@dpkg -s libzmq3-dev >/dev/null 2>&1 || \
		($(SUDO) apt-get update && $(SUDO) apt-get install -y libzmq3-dev)

build: deps
	swift build -c release

run: build
	.build/release/channelcastd

test: deps
	$(SWIFT_TEST)

# The binding, core, storage and daemon tests under ThreadSanitizer, in their own build folder.
test-tsan: deps
	TSAN_OPTIONS="suppressions=$(CURDIR)/.ci/tsan-suppressions.txt halt_on_error=1" \
		$(SWIFT_TEST) --sanitize=thread --scratch-path .build-tsan \
		--filter 'ZeroMQTests|ChannelCastCoreTests|ChannelCastStorageTests|ChannelCastServerTests'

clean:
	rm -rf .build .build-tsan
