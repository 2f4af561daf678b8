import FuzzHarness

#if FUZZING
  import CLibFuzzer

  /// libFuzzer's entry point: one input.
  @_cdecl("LLVMFuzzerTestOneInput")
  public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    JournalFuzzing.testOneInput(UnsafeBufferPointer(start: data, count: size))
    return 0
  }

  /// The program's entry. SwiftPM links an executable with `main` aliased to `<module>_main`,
  /// the symbol `@main` would define, which hides libFuzzer's own `main`; so this one hands the
  /// command line to libFuzzer's driver.
  @_cdecl("JournalFuzzer_main")
  func fuzzerMain(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
  ) -> CInt {
    var argc = argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in data.map { fuzz($0, size) } ?? 0 }
  }
#else
  import Foundation

  /// A plain build: runs the inputs given (files or directories of files) once each, or, with
  /// `--write-seeds DIRECTORY`, writes the seed corpus there.
  @main enum JournalFuzzerMain {
    static func main() {
      let arguments = CommandLine.arguments.dropFirst()
      if arguments.first == "--write-seeds", arguments.count == 2 {
        do {
          try SeedCorpus.write(to: arguments.last!)
        } catch {
          print("JournalFuzzer: \(error)")
          exit(1)
        }
        exit(0)
      }
      exit(CorpusReplay.run(arguments, target: "JournalFuzzer", JournalFuzzing.testOneInput))
    }
  }
#endif
