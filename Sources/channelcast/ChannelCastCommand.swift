import ArgumentParser

/// The `channelcast` command: one subcommand per operation of the ChannelCast protocol, plus
/// `tail` for the delivery socket.
@main
struct ChannelCastCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "channelcast",
    abstract: "Talk to channelcastd: manage official channels, broadcast, watch deliveries.",
    discussion: """
      Each subcommand sends one request to the daemon's command socket (--endpoint, default \
      tcp://127.0.0.1:7701) and prints the reply's result as one line of JSON on stdout. \
      tail instead prints the deliveries of the delivery socket (--delivery-endpoint, \
      default tcp://127.0.0.1:7702), gateway the batches of the gateway socket \
      (--gateway-endpoint, default tcp://127.0.0.1:7703), and keygen makes key files without \
      talking to a daemon. \
      Run channelcast help <subcommand> for its options and an example.

      SECURITY (CURVE)
        A daemon with a serverKeyFile encrypts its connections with CURVE and accepts only
        the clients whose public keys are in its clientsFile. Talk to it with --server-key,
        its public key (the key, or its .pub or .key file), and --key-file, this client's
        .key file; give both, to tail as well. channelcast keygen --out NAME makes NAME.key
        (secret, mode 0600; a key file others may read is refused) and NAME.pub (to hand
        out). A refused key is reported as "the daemon refused this client's key".

      EXIT STATUS
        0   The daemon answered ok; the result is on stdout. keygen wrote its files.
        1   The daemon answered with an error, printed on stderr as
            "channelcast: <code>: <message>"; or libzmq rejected the endpoint; or keygen
            could not write its files (they exist and --force was not given).
        2   No usable reply arrived within --timeout, or the daemon refused this client's
            CURVE key, or the CURVE handshake failed (a wrong --server-key).
        64  The command line is wrong, such as a payload that is not valid JSON or a key
            file that cannot be used.

      EXAMPLE
        channelcast create --id '@TOA#_news' --owner editor --name 'Daily News'
        channelcast subscribe '@TOA#_news' alice
        channelcast tail --user alice &
        channelcast send '@TOA#_news' '{"title": "Hello"}'
      """,
    subcommands: [
      PingCommand.self,
      CreateCommand.self,
      ListCommand.self,
      InfoCommand.self,
      SetInfoCommand.self,
      DeleteCommand.self,
      SubscribeCommand.self,
      UnsubscribeCommand.self,
      OptionsCommand.self,
      SubscribersCommand.self,
      SendCommand.self,
      SendToAccountCommand.self,
      RecallCommand.self,
      HistoryCommand.self,
      StatsCommand.self,
      TailCommand.self,
      GatewayCommand.self,
      EventsCommand.self,
      BackupCommand.self,
      KeygenCommand.self,
    ])
}
