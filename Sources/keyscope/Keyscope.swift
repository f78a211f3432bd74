import ArgumentParser
import KeyscopePolicy
import KeyscopeSupport

/// Process entry: allocator settings for a batch run, then the command line.
@main
enum Entry {
    static func main() {
        AllocatorTuning.configureForBatchRun()
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let first = arguments.first, let message = Keyscope.unknownSubcommand(first) {
            Environment.printError(message)
            Environment.exitNow(ExitCode(64))
        }
        let command: ParsableCommand
        do {
            command = try Keyscope.parseAsRoot(arguments)
        } catch {
            Keyscope.exit(withError: error)
        }
        do {
            var running = command
            try running.run()
        } catch let error as ValidationError {
            // A usage error found once the subcommand runs (two options that conflict, a bad
            // environment value) shows that subcommand's usage: ArgumentParser would show the root's.
            let name = type(of: command)._commandName
            Environment.printError(
                """
                Error: \(error.message)
                Usage: \(Keyscope.usageString(for: type(of: command)))
                  See 'keyscope \(name) --help' for more information.
                """)
            Environment.exitNow(KeyscopeExit.usage)
        } catch {
            Keyscope.exit(withError: error)
        }
    }
}

/// The `keyscope` command. Subcommands parse arguments, call a library and render; nothing else.
struct Keyscope: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "keyscope",
        abstract: "API key scopes as code: validate, compile, review and publish signed scope tables.",
        version: version,
        subcommands: [
            Init.self,
            Validate.self,
            Compile.self,
            Diff.self,
            Publish.self,
            Inspect.self,
            Verify.self,
            Check.self,
            Explain.self,
            WhoCan.self,
            Serve.self,
            Keygen.self,
            Fingerprint.self,
            CodeOwnersCommand.self,
            Schema.self,
            GenerateCorpus.self,
        ]
    )
}

extension Keyscope {
    /// A usage error for a first argument that is not a subcommand, with the closest one
    /// (`valdiate` → `validate`), the way git and cargo answer; nil when it is one, or an option.
    static func unknownSubcommand(_ word: String) -> String? {
        guard !word.hasPrefix("-") else { return nil }
        let names = configuration.subcommands.map { $0._commandName } + ["help"]
        guard !names.contains(word) else { return nil }
        let suggestion = Suggestions.closest(to: word, among: names).map { "; did you mean '\($0)'?" } ?? ""
        return """
            Error: unknown command \(Quote.quoted(word))\(suggestion)
            Usage: keyscope <subcommand>
              See 'keyscope --help' for the commands.
            """
    }
}
