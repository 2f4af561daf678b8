import ServiceLifecycle

/// One long-running part of the daemon (the command server, the delivery socket, the ZAP
/// handler, the metrics listener, the monitor) as a `Service` of the daemon's `ServiceGroup`,
/// owning the thread the part serves on.
///
/// The part is started when `ChannelCastDaemon` is built, so that an address that cannot be
/// bound or data that cannot be recovered fail the start at once. `run()` keeps it until the
/// group's graceful shutdown (or a cancellation) asks it to stop, and returns once its thread
/// has ended. A part that stops serving by itself makes `run()` throw why: the group then shuts
/// the other parts down in order, and `channelcastd` exits 1.
struct DaemonPartService: Service, CustomStringConvertible {
  /// The part's name, in the group's logs and in `DaemonPartError`.
  let description: String
  private let thread: DedicatedThread
  private let beforeStop: @Sendable () -> Void

  /// `beforeStop` runs when the part is asked to stop, before its thread is: it must not block.
  init(
    _ name: String, thread: DedicatedThread, beforeStop: @escaping @Sendable () -> Void = {}
  ) {
    description = name
    self.thread = thread
    self.beforeStop = beforeStop
  }

  func run() async throws {
    await withTaskCancellationHandler {
      await withGracefulShutdownHandler {
        await thread.finishedServing()
      } onGracefulShutdown: {
        requestStop()
      }
    } onCancel: {
      requestStop()
    }
    if let failure = thread.failure { throw failure }
    guard thread.isStopRequested else { throw DaemonPartError.endedUnexpectedly(description) }
  }

  /// Asks the part to stop; returns at once.
  func requestStop() {
    beforeStop()
    thread.requestStop()
  }

  /// Asks the part to stop and waits until its thread has ended (`ChannelCastDaemon.shutdown()`).
  func stop() {
    requestStop()
    thread.waitUntilEnded()
  }
}
