import CNATS
import Dispatch

/// An asynchronous core NATS subscription (`natsConnection_Subscribe`): the handler is called
/// with each message on the subject, on the C client's delivery thread of this subscription,
/// one message at a time and in the order the server sent them. The handler must not block for
/// long: messages wait behind it (and the client drops them past its pending limits).
///
/// Ownership: not Sendable; one thread owns the subscription and unsubscribes. The handler is
/// the only code that runs on the delivery thread; `unsubscribe()` waits for that thread to be
/// done with it, so it must not be called from the handler (nor the last reference dropped
/// there).
public final class NATSSubscription {
  private enum State {
    case subscribed(OpaquePointer)
    case unsubscribed
  }

  /// What the C client's two callbacks reach through their closure pointer.
  ///
  /// The callbacks hold one retained reference, released by the completion callback: the
  /// client calls that last, once its delivery thread has left the handler for good.
  private final class Delivery: Sendable {
    let handler: @Sendable (NATSMessage) -> Void
    /// Signalled by the completion callback.
    let finished = DispatchSemaphore(value: 0)

    init(handler: @escaping @Sendable (NATSMessage) -> Void) {
      self.handler = handler
    }
  }

  private var state: State
  private let delivery: Delivery
  /// Keeps the connection alive while the subscription is.
  private let connection: NATSConnection

  /// Subscribes to `subject` (wildcards `*` and `>` allowed) and calls `handler` with each
  /// message from now on.
  public init(
    connection: NATSConnection, subject: String,
    handler: @escaping @Sendable (NATSMessage) -> Void
  ) throws(NATSError) {
    let delivery = Delivery(handler: handler)
    let closure = Unmanaged.passRetained(delivery)
    var subscription: OpaquePointer?
    let status = natsConnection_Subscribe(
      &subscription, connection.connection, subject,
      { _, _, message, closure in
        guard let message, let closure else { return }
        let delivery = Unmanaged<Delivery>.fromOpaque(closure).takeUnretainedValue()
        delivery.handler(NATSMessage(copying: message))
        natsMsg_Destroy(message)
      }, closure.toOpaque())
    guard status == NATS_OK, let subscription else {
      closure.release()
      throw NATSError(status, operation: "natsConnection_Subscribe(\(subject))")
    }
    let completion = natsSubscription_SetOnCompleteCB(
      subscription,
      { closure in
        guard let closure else { return }
        let delivery = Unmanaged<Delivery>.fromOpaque(closure)
        delivery.takeUnretainedValue().finished.signal()
        delivery.release()
      }, closure.toOpaque())
    guard completion == NATS_OK else {
      // The connection closed the subscription already. Its delivery thread may still be in
      // the handler and nothing will say when it leaves: `delivery` stays alive for good (one
      // small object) rather than be released under it.
      natsSubscription_Destroy(subscription)
      throw NATSError(completion, operation: "natsSubscription_SetOnCompleteCB(\(subject))")
    }
    self.state = .subscribed(subscription)
    self.delivery = delivery
    self.connection = connection
  }

  deinit {
    unsubscribe()
  }

  /// Stops the subscription. When it returns, the handler is not running and will not be
  /// called again; messages not yet handled are dropped. Calling it again does nothing.
  public func unsubscribe() {
    guard case .subscribed(let subscription) = state else { return }
    state = .unsubscribed
    // It fails only for a subscription the client closed already (its connection closed):
    // the delivery thread ends and calls the completion callback either way.
    natsSubscription_Unsubscribe(subscription)
    delivery.finished.wait()
    natsSubscription_Destroy(subscription)
  }
}
