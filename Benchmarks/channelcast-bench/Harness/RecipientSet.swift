import Synchronization

/// Which of N numbered users received a delivery: proves none is missing and none came twice.
/// Users are named `u<number>`; the counter thread marks, the scenario thread checks afterwards.
final class RecipientSet: Sendable {
  private let seen: Mutex<[UInt64]>
  private let duplicates = Atomic<Int>(0)
  private let strangers = Atomic<Int>(0)
  let size: Int

  init(size: Int) {
    self.size = size
    seen = Mutex(Array(repeating: 0, count: (size + 63) / 64))
  }

  /// The user name of number `number`.
  static func userID(_ number: Int) -> String { "u\(number)" }

  /// Marks the user of a topic (`u<number>` and NUL).
  func mark(topic: UnsafeRawBufferPointer) {
    var number = 0
    var digits = 0
    for byte in topic.dropFirst() where byte != 0 {
      guard byte >= 48 && byte <= 57 else { break }
      number = number * 10 + Int(byte - 48)
      digits += 1
    }
    guard topic.first == UInt8(ascii: "u"), digits > 0, number < size else {
      strangers.add(1, ordering: .relaxed)
      return
    }
    let word = number / 64
    let bit = UInt64(1) << UInt64(number % 64)
    let wasSeen = seen.withLock { seen in
      defer { seen[word] |= bit }
      return seen[word] & bit != 0
    }
    if wasSeen { duplicates.add(1, ordering: .relaxed) }
  }

  /// Marks every user of a gateway batch's recipients frame (`u<number>` and NUL, each), under
  /// one lock: a batch holds thousands.
  func mark(recipients frame: UnsafeRawBufferPointer) {
    var numbers: [Int] = []
    numbers.reserveCapacity(frame.count / 4)
    var start = 0
    while start < frame.count {
      var end = start
      while end < frame.count && frame[end] != 0 { end += 1 }
      var number = 0
      var digits = 0
      if end > start && frame[start] == UInt8(ascii: "u") {
        for byte in frame[(start + 1)..<end] {
          guard byte >= 48 && byte <= 57 else {
            digits = 0
            break
          }
          number = number * 10 + Int(byte - 48)
          digits += 1
        }
      }
      if digits > 0 && number < size {
        numbers.append(number)
      } else {
        strangers.add(1, ordering: .relaxed)
      }
      start = end + 1
    }
    let repeated = seen.withLock { seen in
      var repeated = 0
      for number in numbers {
        let bit = UInt64(1) << UInt64(number % 64)
        if seen[number / 64] & bit != 0 { repeated += 1 }
        seen[number / 64] |= bit
      }
      return repeated
    }
    if repeated > 0 { duplicates.add(repeated, ordering: .relaxed) }
  }

  /// Whether user number `number` has been marked since the last reset.
  func isMarked(_ number: Int) -> Bool {
    seen.withLock { $0[number / 64] & UInt64(1) << UInt64(number % 64) != 0 }
  }

  /// Clears the marks for the next run.
  func reset() {
    seen.withLock { $0 = Array(repeating: 0, count: $0.count) }
    duplicates.store(0, ordering: .relaxed)
    strangers.store(0, ordering: .relaxed)
  }

  /// How many users were never marked, marked twice, or were not users of this set.
  var missing: Int { size - seen.withLock { $0.reduce(0) { $0 + $1.nonzeroBitCount } } }
  var duplicateCount: Int { duplicates.load(ordering: .relaxed) }
  var strangerCount: Int { strangers.load(ordering: .relaxed) }

  /// Throws unless every user was marked exactly once and `received` (the consumer's count)
  /// holds nothing else: the check every fan-out measurement ends with.
  func checkComplete(received: Int, system: String) throws {
    guard missing == 0, duplicateCount == 0, received == size else {
      throw BenchmarkError(
        "\(system) deliveries wrong: \(missing) missing, \(duplicateCount) duplicated, "
          + "\(received - size) extra")
    }
  }
}
