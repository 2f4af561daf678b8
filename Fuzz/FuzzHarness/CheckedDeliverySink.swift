import ChannelCastCore
import ChannelCastProtocol

/// The fan-out's sink in the fuzz targets: discards every delivery after checking what the
/// delivery socket promises consumers. A broken delivery stops the process, which libFuzzer
/// reports as a crash with the input that caused it.
public final class CheckedDeliverySink: DeliverySink {
  public init() {}

  public func deliver(_ deliveries: UnsafeBufferPointer<Delivery>) -> Int {
    for delivery in deliveries {
      // The topic is the user's ID and one NUL, which consumers subscribe by.
      guard delivery.topic.last == 0 else {
        fatalError("a delivery topic that is not a user ID and a NUL: \(Array(delivery.topic))")
      }
      let envelope = Array(delivery.envelope)
      do {
        let object = try JSONParser.parseObject(envelope)
        guard object["v"]?.int64Value == 1, object["type"]?.stringValue != nil else {
          fatalError("an envelope without \"v\": 1 and a type")
        }
      } catch {
        fatalError(
          "an envelope that is not a JSON object (\(error)): "
            + String(decoding: envelope, as: UTF8.self))
      }
    }
    return deliveries.count
  }
}
