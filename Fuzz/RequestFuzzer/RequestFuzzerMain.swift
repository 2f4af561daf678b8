import FuzzHarness

#if FUZZING
  import CLibFuzzer

  /// libFuzzer's entry point: one input.
  @_cdecl("LLVMFuzzerTestOneInput")
  public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    RequestFuzzing.testOneInput(UnsafeBufferPointer(start: data, count: size))
    return 0
  }

  /// The program's entry. SwiftPM links an executable with `main` aliased to `<module>_main`,
  /// the symbol `@main` would define, which hides libFuzzer's own `main`; so this one hands the
  /// command line to libFuzzer's driver.
  @_cdecl("RequestFuzzer_main")
  func fuzzerMain(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
  ) -> CInt {
    var argc = argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in data.map { fuzz($0, size) } ?? 0 }
  }
#else
  import Foundation

  /// A plain build: runs the inputs given (files or directories of files) once each.
  @main enum RequestFuzzerMain {
    static func main() {
      exit(
        CorpusReplay.run(
          CommandLine.arguments.dropFirst(), target: "RequestFuzzer",
          RequestFuzzing.testOneInput))
    }
  }
#endif
