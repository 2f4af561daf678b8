import ArgumentParser

/// The sizes the memory-sized scenarios (`memory`, `snapshot-pause`) load, and how the
/// subscriptions are spread: the same flags and the same population in both.
struct UniformPopulationOptions: ParsableArguments {
  @Option(
    help: "Sizes to measure (subscriptions), comma-separated.",
    transform: { text in
      try text.split(separator: ",").map {
        guard let count = Int($0.trimmingCharacters(in: .whitespaces)), count >= 1 else {
          throw ValidationError("--subscriptions takes positive numbers separated by commas")
        }
        return count
      }
    })
  var subscriptions = [1_000_000, 10_000_000]

  @Option(help: "Channels the subscriptions are spread over.") var channels = 10_000
  @Option(help: "Subscriptions of each user.") var subscriptionsPerUser = 10

  func validate() throws {
    guard (1...channels).contains(subscriptionsPerUser) else {
      throw ValidationError("--subscriptions-per-user must be between 1 and --channels")
    }
    for size in subscriptions
    where size % channels != 0 || size % subscriptionsPerUser != 0 {
      throw ValidationError(
        "\(size) subscriptions do not divide evenly into \(channels) channels and "
          + "\(subscriptionsPerUser) per user")
    }
  }

  /// The population of one size.
  func population(subscriptions size: Int) -> UniformPopulation {
    UniformPopulation(
      subscriptions: size, channels: channels, subscriptionsPerUser: subscriptionsPerUser)
  }

  /// The settings to print with a report.
  var settings: [String: String] {
    ["channels": String(channels), "subscriptionsPerUser": String(subscriptionsPerUser)]
  }
}
