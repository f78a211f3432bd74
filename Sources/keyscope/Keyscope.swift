import ArgumentParser
import KeyscopePolicy
import KeyscopeSupport

/// Process entry: allocator settings for a batch run, then the command line.
@main
enum Entry {
    static func main() {
        AllocatorTuning.configureForBatchRun()
        Keyscope.main()
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
            Validate.self,
            Compile.self,
            Diff.self,
            Publish.self,
            Inspect.self,
            Verify.self,
            Check.self,
            Keygen.self,
            CodeOwnersCommand.self,
            Schema.self,
            GenerateCorpus.self,
        ]
    )
}
