/// The replies of one run of requests, held until the run's journal records are written and
/// its events handed to the shards, then sent together. The storage is kept from run to run,
/// so that holding a reply's routing frames allocates nothing once the buffers have grown.
///
/// Ownership: the command thread.
struct RunReplies {
  /// One reply: the routing frames to send it after (a range of `routingFrameEnds`) and the
  /// reply frame.
  private struct Reply {
    let routingFrames: Range<Int>
    let body: [UInt8]
  }

  /// Every reply's routing frames, one after another.
  private var routingBytes: [UInt8] = []
  /// Where each routing frame ends in `routingBytes`.
  private var routingFrameEnds: [Int] = []
  private var replies: [Reply] = []

  var isEmpty: Bool { replies.isEmpty }

  /// Adds a reply to send after copies of `routingFrames` (routing IDs and the delimiter).
  mutating func append(_ body: [UInt8], after routingFrames: some Sequence<ArraySlice<UInt8>>) {
    let first = routingFrameEnds.count
    for frame in routingFrames {
      routingBytes.append(contentsOf: frame)
      routingFrameEnds.append(routingBytes.count)
    }
    replies.append(Reply(routingFrames: first..<routingFrameEnds.count, body: body))
  }

  /// Calls `send` with each reply in order, its routing frames as views into the buffer, then
  /// forgets them all.
  mutating func sendAll(
    _ send: (_ routingFrames: [UnsafeRawBufferPointer], _ body: [UInt8]) -> Void
  ) {
    routingBytes.withUnsafeBytes { routing in
      var frames: [UnsafeRawBufferPointer] = []
      for reply in replies {
        frames.removeAll(keepingCapacity: true)
        for index in reply.routingFrames {
          let start = index == 0 ? 0 : routingFrameEnds[index - 1]
          frames.append(UnsafeRawBufferPointer(rebasing: routing[start..<routingFrameEnds[index]]))
        }
        send(frames, reply.body)
      }
    }
    routingBytes.removeAll(keepingCapacity: true)
    routingFrameEnds.removeAll(keepingCapacity: true)
    replies.removeAll(keepingCapacity: true)
  }
}
