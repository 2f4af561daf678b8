/// One measured figure over several runs: its median and spread.
struct Figure: Codable {
  let name: String
  let unit: String
  let values: [Double]

  var median: Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
  }

  var minimum: Double { values.min() ?? .nan }
  var maximum: Double { values.max() ?? .nan }

  /// (max - min) / median, as a percentage: how much the runs disagree.
  var spreadPercent: Double {
    median == 0 ? 0 : (maximum - minimum) / abs(median) * 100
  }

  enum CodingKeys: String, CodingKey {
    case name, unit, values, median, minimum, maximum, spreadPercent
  }

  init(name: String, unit: String, values: [Double]) {
    self.name = name
    self.unit = unit
    self.values = values
  }

  init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    name = try container.decode(String.self, forKey: .name)
    unit = try container.decode(String.self, forKey: .unit)
    values = try container.decode([Double].self, forKey: .values)
  }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(name, forKey: .name)
    try container.encode(unit, forKey: .unit)
    try container.encode(values, forKey: .values)
    try container.encode(median, forKey: .median)
    try container.encode(minimum, forKey: .minimum)
    try container.encode(maximum, forKey: .maximum)
    try container.encode(spreadPercent, forKey: .spreadPercent)
  }
}

/// Collects each run's values by figure name, in the order figures first appear.
struct RunRecorder {
  private(set) var order: [(name: String, unit: String)] = []
  private var values: [String: [Double]] = [:]

  mutating func record(_ name: String, _ value: Double, unit: String) {
    if values[name] == nil { order.append((name, unit)) }
    values[name, default: []].append(value)
  }

  var figures: [Figure] {
    order.map { Figure(name: $0.name, unit: $0.unit, values: values[$0.name] ?? []) }
  }
}
