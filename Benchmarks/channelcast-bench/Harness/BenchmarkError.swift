/// Why a scenario could not produce its figures.
struct BenchmarkError: Error, CustomStringConvertible {
  let description: String

  init(_ description: String) {
    self.description = description
  }

  /// A wait that ran out of time: the scenario says so instead of hanging.
  static func timedOut(_ what: String, seconds: Double) -> BenchmarkError {
    BenchmarkError("\(what) did not finish within \(Int(seconds)) s")
  }
}
