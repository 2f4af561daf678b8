import Synchronization

/// Whether the daemon serves: set once recovery is done and the command socket is bound,
/// cleared when it stops. Read by `/readyz`.
final class Readiness: Sendable {
  private let ready = Atomic<Bool>(false)

  var isReady: Bool {
    get { ready.load(ordering: .acquiring) }
    set { ready.store(newValue, ordering: .releasing) }
  }
}
