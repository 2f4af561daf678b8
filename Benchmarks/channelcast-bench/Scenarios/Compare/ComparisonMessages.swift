import ChannelCastProtocol

/// The message shape every system in `compare` carries: topic `u<n>` and NUL, then the envelope
/// channelcastd would send for a megacast with the same payload. Built once, before any clock
/// starts, so the raw ceiling measures sending and not formatting.
///
/// Immutable after init; the topics live in one buffer to keep a million of them cheap.
final class ComparisonMessages: @unchecked Sendable {
  // @unchecked: the buffers are written only in init and read-only afterwards.
  let count: Int
  /// A `message` envelope from `Envelope.message`, the daemon's own encoder, with a channel ID,
  /// msgKey and send time of the daemon's sizes.
  let envelope: [UInt8]
  private let topics: UnsafeMutableRawBufferPointer
  private let offsets: UnsafeMutableBufferPointer<Int>

  init(count: Int, payloadBytes: Int) {
    self.count = count
    let payload = Array(
      ("\"" + String(repeating: "x", count: max(payloadBytes - 2, 0)) + "\"").utf8)
    // Megacast names its channel "@TOA#_megacast-<UInt32>"; take a 10-digit number, the longest.
    let channel = "@TOA#_megacast-\(UInt32.random(in: 1_000_000_000...UInt32.max))"
    envelope = Envelope.message(
      officialAccountID: ByteString(channel), msgKey: "abcdefghijkl234567ab", seq: 1,
      sendTimeMs: WallClock.microseconds() / 1000, notify: true, payload: payload[...])

    offsets = .allocate(capacity: count + 1)
    var size = 0
    for number in 0..<count {
      offsets[number] = size
      size += Self.digits(number) + 2
    }
    offsets[count] = size
    topics = .allocate(byteCount: max(size, 1), alignment: 1)
    for number in 0..<count {
      var position = offsets[number + 1] - 1
      topics[position] = 0
      var rest = number
      repeat {
        position -= 1
        topics[position] = UInt8(48 + rest % 10)
        rest /= 10
      } while rest > 0
      topics[position - 1] = UInt8(ascii: "u")
    }
  }

  deinit {
    topics.deallocate()
    offsets.deallocate()
  }

  /// The topic of user `number`: `u<number>` and NUL.
  func topic(_ number: Int) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(rebasing: topics[offsets[number]..<offsets[number + 1]])
  }

  private static func digits(_ number: Int) -> Int {
    var digits = 1
    var rest = number / 10
    while rest > 0 {
      digits += 1
      rest /= 10
    }
    return digits
  }
}
