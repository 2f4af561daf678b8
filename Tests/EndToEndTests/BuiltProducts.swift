import Foundation
import Testing

/// The executables that `swift build` put next to the test runner, in `.build/debug` or the
/// same folder of another `--scratch-path`.
enum BuiltProducts {
  /// The built executable called `name`; the test fails, naming the folders searched, when it
  /// is missing (run `swift build` first).
  static func executable(named name: String) throws -> URL {
    let candidates = productFolders.map { $0.appendingPathComponent(name) }
    let found = candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    return try #require(
      found, "\(name) is not built; run swift build. Looked in: \(productFolders.map(\.path))")
  }

  /// Where the runner may be: on Linux it is an executable in the products folder, elsewhere a
  /// bundle in it, so both the runner's folder and the bundle's parent are searched.
  private static var productFolders: [URL] {
    let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    let sourceTree = URL(fileURLWithPath: #filePath)
      .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return [
      Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent(),
      runner.deletingLastPathComponent(),
      Bundle.main.bundleURL,
      Bundle.main.bundleURL.deletingLastPathComponent(),
      sourceTree.appendingPathComponent(".build/debug"),
    ].compactMap { $0 }
  }
}
