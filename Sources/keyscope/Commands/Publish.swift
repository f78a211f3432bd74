import ArgumentParser
import KeyscopePolicy
import KeyscopePublish
import KeyscopeReview
import KeyscopeTable
import KeyscopeTableTools

#if canImport(Glibc)
import Glibc
#endif

struct Publish: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publish verified tables to a directory that gateways read: DIR/<product>/current.kst, atomically.",
        discussion: """
            Every table is verified against --trusted-key (signature, structure, expiry) before anything is written. \
            A serial not greater than the one already published is refused (no rollback). Each table is written \
            to DIR/<product>/<serial>.kst, then DIR/<product>/current.kst and current.json are replaced atomically \
            (temporary file, fsync, rename, fsync of the directory) under a lock on the product.
            """
    )

    @Argument(help: "Table files (.kst) to publish.")
    var tables: [String]

    @Option(help: "The publish directory.")
    var to: String

    @OptionGroup var trust: TrustOptions

    @Option(help: "History versions to keep per product.")
    var keep: Int = 20

    @Option(help: "Seconds to wait for another publish of the same product to finish.")
    var lockTimeout: Double = 30

    @Flag(help: "Show what would change; write nothing.")
    var dryRun = false

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Check table expiry at this time: Unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (default: now).",
            valueName: "time"))
    var at: Instant?

    @Option(
        help: ArgumentHelp(
            "Publish only what this plan (from `diff --out`) reviewed: the tables' contents must be the reviewed ones and the deployed tables its base.",
            valueName: "file"))
    var plan: String?

    func validate() throws {
        if keep < 1 { throw ValidationError("--keep must be at least 1") }
        if tables.isEmpty { throw ValidationError("name at least one table") }
    }

    func run() throws {
        #if DEBUG
        // Debug builds only (what the tests run; `swift build -c release` leaves it out): crash at a
        // named step to prove every intermediate state is safe.
        let fault = Environment.variable("KEYSCOPE_FAULT_INJECTION")
        let faultHook: @Sendable (String) -> Void = { step in if step == fault { kill(getpid(), SIGKILL) } }
        #else
        let faultHook: @Sendable (String) -> Void = { _ in }
        #endif
        let publisher = Publisher(
            directory: to, trustedKeys: try trust.load(), keep: keep, lockTimeoutSeconds: lockTimeout,
            faultHook: faultHook)
        let now = at?.unixSeconds ?? Environment.now()
        // Verify every table before publishing any: a bad one stops the whole command with nothing written.
        var verified: [(path: String, table: ScopeTable, bytes: [UInt8])] = []
        do {
            for path in tables {
                let bytes = try FileOutput.readFile(path, limit: Publisher.maximumTableSize)
                verified.append((path, try publisher.verify(bytes, now: now, label: path), bytes))
            }
            let products = verified.map(\.table.header.productID)
            if Set(products).count != products.count {
                throw CommandFailure("two tables for the same product; publish one at a time")
            }
            let reviewed = try plan.map { path in
                let plan = try ReviewPlan(json: FileOutput.readFile(path, limit: 64 << 20))
                try plan.checkTables(verified.map { $0.table.contents() })
                return plan
            }
            if dryRun {
                for item in verified {
                    let current = try publisher.current(productID: item.table.header.productID)
                    print(
                        summary(
                            product: item.table.header.productID, previous: current, serial: item.table.header.serial,
                            contents: item.table.contents(), path: "(dry run: nothing written)"))
                }
                return
            }
            // All products are locked and checked before any file is written.
            let results = try publisher.publish(verified.map { ($0.table, $0.bytes) }) {
                product, current throws(PublishError) in
                guard let reviewed else { return }
                do throws(PlanError) {
                    try reviewed.checkDeployed(product: product, current: current)
                } catch {
                    throw PublishError(.notReviewed, error.message)
                }
            }
            for result in results {
                if result.alreadyCurrent {
                    print(
                        "\(Quote.sanitized(result.productID)) serial \(result.serial) is already current, byte for byte: nothing to do."
                    )
                    continue
                }
                print(
                    summary(
                        product: result.productID, previous: result.previous, serial: result.serial,
                        contents: result.contents, path: result.currentPath)
                        + (result.pruned.isEmpty
                            ? "" : " Pruned \(result.pruned.count) old version\(result.pruned.count == 1 ? "" : "s")."))
            }
        } catch let error as PublishError {
            throw CommandFailure(error.message)
        } catch let error as PlanError {
            throw CommandFailure("\(plan ?? "plan"): \(error.message)")
        }
    }

    /// One paragraph: product, old → new serial, changes by rank (from the diff engine), path.
    func summary(product: String, previous: TableContents?, serial: UInt64, contents: TableContents, path: String)
        -> String
    {
        let before = AccessState(source: "published", tables: previous.map { [$0] } ?? [])
        let after = AccessState(source: "new", tables: [contents])
        let diff = AccessDiff(from: before, to: after)
        let old = previous.map { String($0.metadata.serial) } ?? "none"
        let verb = dryRun ? "Would publish" : "Published"
        return
            "\(verb) \(Quote.sanitized(product)) serial \(old) → \(serial): \(diff.changes.count) change\(diff.changes.count == 1 ? "" : "s") (\(DiffRenderer.counts(diff))); \(contents.keys.count) keys, \(contents.capabilities.count) capabilities; \(path)."
    }
}
