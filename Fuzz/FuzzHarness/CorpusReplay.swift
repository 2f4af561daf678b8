import Foundation

/// A fuzz target's `main` in a plain build (without `-D FUZZING`): runs the target's test once
/// on each input it is given, the way libFuzzer runs a crash file, so that a corpus or a crash
/// can be replayed under the debugger or in a plain test run.
public enum CorpusReplay {
  /// Runs `test` on each file named in `arguments` and on each file in a directory named there
  /// (in name order, not recursively); returns the exit status: 0, or 64 for a usage error.
  public static func run(
    _ arguments: some Collection<String>, target: String,
    _ test: (UnsafeBufferPointer<UInt8>) -> Void
  ) -> Int32 {
    guard !arguments.isEmpty else {
      print("usage: \(target) FILE_OR_DIRECTORY...")
      print("Runs each input once. Built with -D FUZZING, this is a libFuzzer target instead.")
      return 64
    }
    var count = 0
    for path in arguments {
      for file in inputFiles(at: path) {
        guard let data = FileManager.default.contents(atPath: file) else {
          print("\(target): cannot read \(file)")
          return 64
        }
        Array(data).withUnsafeBufferPointer { test($0) }
        count += 1
      }
    }
    print("\(target): ran \(count) inputs")
    return 0
  }

  private static func inputFiles(at path: String) -> [String] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
      isDirectory.boolValue
    else { return [path] }
    let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    return names.sorted().map { "\(path)/\($0)" }.filter { file in
      var isDirectory: ObjCBool = false
      return FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory)
        && !isDirectory.boolValue
    }
  }
}
