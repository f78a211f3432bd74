import ArgumentParser
import KeyscopeIO

/// `keyscope serve …`: runs `keyscope-serve …`, the authorization service, in this process.
///
/// The service is its own executable (SwiftNIO and its server libraries), so that building the
/// command-line tool, the README's first command, does not build them.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Answer gateway authorization requests from a signed table (runs keyscope-serve).",
        discussion: """
            Every argument goes to keyscope-serve: `keyscope serve --table DIR/<product>/current.kst \
            --trusted-key KEY`. See `keyscope-serve --help`. Build it with \
            `swift build -c release --product keyscope-serve` (or `make install`).
            """)

    @Argument(parsing: .captureForPassthrough, help: "Arguments for keyscope-serve.")
    var arguments: [String] = []

    func run() throws {
        guard let path = Subprocess.companion("keyscope-serve") else {
            throw CommandFailure(
                "keyscope-serve is not installed beside keyscope or on PATH: build it with `swift build -c release --product keyscope-serve`, or run `make install`"
            )
        }
        throw CommandFailure("cannot run \(path): \(Subprocess.replaceProcess(with: path, arguments: arguments))")
    }
}
