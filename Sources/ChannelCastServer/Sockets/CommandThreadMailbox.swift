import Foundation

/// Work handed to the command thread from other threads (a configuration reload), run between
/// two runs of requests, where the thread owns the processor.
///
/// `@unchecked Sendable`: the list is guarded by `lock` (NSLock, which ThreadSanitizer sees).
final class CommandThreadMailbox: @unchecked Sendable {
  private let lock = NSLock()
  private var work: [@Sendable (CommandProcessor) -> Void] = []

  func post(_ item: @escaping @Sendable (CommandProcessor) -> Void) {
    lock.withLock { work.append(item) }
  }

  /// Runs what was posted, in order (command thread).
  func run(on processor: CommandProcessor) {
    let items = lock.withLock {
      defer { work.removeAll() }
      return work
    }
    for item in items { item(processor) }
  }
}
