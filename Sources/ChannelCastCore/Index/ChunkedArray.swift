/// An array kept in chunks of 1024 elements, so that a copy shares the chunks and a change to
/// the copy copies one chunk, not the whole array.
///
/// This is what lets a snapshot take the service's state in microseconds and write it out on
/// another thread while the command thread goes on changing it: with a plain array of a
/// million users, the first change after the snapshot would copy (and retain) all of them
/// before it could proceed.
struct ChunkedArray<Element>: RandomAccessCollection, MutableCollection {
  private static var chunkShift: Int { 10 }
  private static var chunkMask: Int { (1 << chunkShift) - 1 }

  private var chunks: [ContiguousArray<Element>] = []
  private(set) var count = 0

  init() {}

  var startIndex: Int { 0 }
  var endIndex: Int { count }

  subscript(position: Int) -> Element {
    // Read in place: a getter would copy the element, which for a channel's state means
    // retaining and releasing every string and array in it to read one field.
    _read {
      precondition(position >= 0 && position < count, "index out of range")
      yield chunks[position >> Self.chunkShift][position & Self.chunkMask]
    }
    _modify {
      precondition(position >= 0 && position < count, "index out of range")
      yield &chunks[position >> Self.chunkShift][position & Self.chunkMask]
    }
  }

  mutating func append(_ element: Element) {
    if count & Self.chunkMask == 0 {
      var chunk = ContiguousArray<Element>()
      chunk.reserveCapacity(1 << Self.chunkShift)
      chunks.append(chunk)
    }
    chunks[chunks.count - 1].append(element)
    count += 1
  }
}

extension ChunkedArray: Sendable where Element: Sendable {}
