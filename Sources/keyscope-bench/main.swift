import CMallocCounter
import Dispatch
import Foundation
import KeyscopeAccess
import KeyscopeCompiler
import KeyscopeCorpus
import KeyscopePolicy
import KeyscopeReview
import KeyscopeRuntime
import KeyscopeSupport
import KeyscopeTable
import KeyscopeTableTools

// keyscope-bench: every performance figure keyscope claims, measured side by
// side with its reference point in one process run.
//
//   swift run -c release keyscope-bench [--preset small|medium|large] [--only NAME] [--repetitions N] [--markdown]

struct Options {
    var preset = "large"
    var only: String?
    var repetitions: Int?
    var markdown = false
    var decisions = 1_000_000

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--preset": preset = iterator.next() ?? preset
            case "--only": only = iterator.next()
            case "--repetitions": repetitions = iterator.next().flatMap(Int.init)
            case "--markdown": markdown = true
            case "--decisions": decisions = iterator.next().flatMap(Int.init) ?? decisions
            case "--help", "-h":
                print(
                    "usage: keyscope-bench [--preset small|medium|large] [--only NAME] [--repetitions N] [--decisions N] [--markdown]"
                )
                exit(0)
            default:
                FileHandle.standardError.write(Data("unknown argument \(argument)\n".utf8))
                exit(64)
            }
        }
    }
}

struct Row {
    var group: String
    var name: String
    var repetitions: Int
    var sample: Sample?
    var ratio: String
    var note: String
}

// `--libyaml-parse ROOT`: the reference as a process of its own, for the process rounds.
if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "--libyaml-parse" {
    let loader = PolicyLoader()
    let files = try loader.findFiles(root: CommandLine.arguments[2]).map {
        (try? loader.readFile($0).get().bytes) ?? []
    }
    print(LibYAMLReference.parse(files))
    exit(0)
}

AllocatorTuning.configureForBatchRun()
let options = Options(CommandLine.arguments)
guard let parameters = CorpusParameters.preset(options.preset) else {
    FileHandle.standardError.write(Data("unknown preset \(options.preset)\n".utf8))
    exit(64)
}
/// `--only` takes a comma-separated list of groups, e.g. `--only parse,compile`.
func enabled(_ name: String) -> Bool {
    guard let only = options.only else { return true }
    return only.split(separator: ",").contains { name.contains($0) }
}
let heavyRepetitions = options.repetitions ?? (parameters.keys >= 100_000 ? 5 : 15)
let lightRepetitions = options.repetitions ?? 15
var rows: [Row] = []

// MARK: Corpus on disk

let checkDate = CalendarDate(daysSinceEpoch: parameters.referenceDay)
let corpusDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(
    "keyscope-bench-\(options.preset)-\(getpid())")
defer { try? FileManager.default.removeItem(at: corpusDirectory) }
let corpus = CorpusGenerator(parameters).files()
var yamlBytes = 0
for file in corpus {
    let url = corpusDirectory.appendingPathComponent("policies").appendingPathComponent(file.path)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(file.contents.utf8).write(to: url)
    yamlBytes += file.contents.utf8.count
}
let root = corpusDirectory.appendingPathComponent("policies").path
let loader = PolicyLoader()
let paths = try loader.findFiles(root: root)

// MARK: Header

func cpuModel() -> String {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
    for line in text.split(separator: "\n") where line.hasPrefix("model name") {
        return line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) }
            ?? "unknown"
    }
    return "unknown"
}
let cores = ProcessInfo.processInfo.activeProcessorCount
let header = [
    "keyscope-bench \(benchVersion()) — preset \(options.preset): \(parameters.capabilities) capabilities, \(parameters.teams) teams, \(parameters.keys) keys, \(corpus.count) files, \(yamlBytes) bytes of YAML",
    "machine: \(cores) cores, \(cpuModel()), \(ProcessInfo.processInfo.physicalMemory >> 30) GiB; date \(Date())",
]
func benchVersion() -> String { "0.1.0" }

// MARK: Parse limit

let readFiles: () -> [[UInt8]] = { paths.map { (try? loader.readFile($0).get().bytes) ?? [] } }
var libyamlMedian = 0.0
let signer = try SigningKey(seed: Array(repeating: 7, count: 32))
let compileOptions = CompileOptions(serial: 1, issuedAt: checkDate.unixSeconds, validFor: 30 * 86_400, revision: nil)

var validation: ValidationResult?
if enabled("parse") || enabled("validate") || enabled("compile") || enabled("decisions") || enabled("table")
    || enabled("diff") || enabled("store") || enabled("identity")
{
    validation = try PolicyValidator.validate(root: root, checkDate: checkDate)
    if validation!.diagnostics.hasErrors {
        FileHandle.standardError.write(
            Data("generated corpus has errors: \(validation!.diagnostics.prefix(3).map(\.message))\n".utf8))
        exit(1)
    }
}

// The reference and everything compared with it run in rounds, one repetition of each per
// round, and each ratio is the median of the per-round ratios: the machine's speed drifts
// between rounds, and a ratio taken within a round cancels most of that drift.
if enabled("parse") || enabled("validate") || enabled("compile") {
    let reader = StrictYAMLReader()
    var contestants: [Contestant] = [
        Contestant(
            name: "libyaml event parse, 1 thread (reference)", note: "read + yaml_parser_parse, events discarded"
        ) {
            LibYAMLReference.parse(readFiles())
        }
    ]
    if enabled("parse") {
        contestants.append(
            Contestant(name: "libyaml event parse, all cores", note: "same, files spread over \(cores) cores") {
                let counts = ConcurrentCounter(paths.count)
                DispatchQueue.concurrentPerform(iterations: paths.count) { index in
                    counts.add(LibYAMLReference.parse((try? loader.readFile(paths[index]).get().bytes) ?? []))
                }
                return counts
            })
        contestants.append(
            Contestant(name: "keyscope strict reader (node trees)", note: "all cores") {
                let documents = ConcurrentSlots<YAMLReadResult>(paths.count)
                DispatchQueue.concurrentPerform(iterations: paths.count) { index in
                    if case .success(let file) = loader.readFile(paths[index]) {
                        documents.set(index, reader.read(file))
                    }
                }
                return documents
            })
    }
    if enabled("validate") {
        contestants.append(
            Contestant(name: "keyscope validate (read, parse, decode, all rules)", note: "target ≤ 2× libyaml") {
                try PolicyValidator.validate(root: root, checkDate: checkDate)
            })
    }
    if enabled("compile") {
        contestants.append(
            Contestant(name: "keyscope compile (validate + build + sign)", note: "target ≤ 2.5× libyaml") {
                let result = try PolicyValidator.validate(root: root, checkDate: checkDate)
                return (
                    result, try ScopeTableCompiler.compile(result.resolved, options: compileOptions, signer: signer)
                )
            })
    }
    let samples = try timeInRounds(repetitions: heavyRepetitions, contestants.map(\.body))
    libyamlMedian = samples[0].median
    for (contestant, sample) in zip(contestants, samples) {
        rows.append(
            Row(
                group: "parse", name: contestant.name, repetitions: heavyRepetitions, sample: sample,
                ratio: roundRatio(sample.values, samples[0].values), note: contestant.note))
    }
}

// Where the compile time beyond validation goes.
if enabled("compile"), let validation {
    let product = validation.resolved.products[0]
    let metadata = TableMetadata(
        productID: product.id, productName: product.name, serial: 1, issuedAt: checkDate.unixSeconds,
        expiresAt: checkDate.unixSeconds + 86_400, revision: nil)
    let build = try timeKeepingResults(repetitions: heavyRepetitions) {
        try ScopeTableCompiler.contents(for: product, teams: validation.resolved.teams, metadata: metadata)
    }
    let contents = try ScopeTableCompiler.contents(for: product, teams: validation.resolved.teams, metadata: metadata)
    let encode = try timeKeepingResults(repetitions: heavyRepetitions) { try TableEncoder.encode(contents) }
    let unsigned = try TableEncoder.encode(contents)
    let sign = try timeKeepingResults(repetitions: heavyRepetitions) { try TableSigner.sign(unsigned, with: signer) }
    rows.append(
        Row(
            group: "parse", name: "  of which: build table contents", repetitions: heavyRepetitions, sample: build,
            ratio: ratio(build.median, libyamlMedian), note: ""))
    rows.append(
        Row(
            group: "parse", name: "  of which: encode", repetitions: heavyRepetitions, sample: encode,
            ratio: ratio(encode.median, libyamlMedian), note: ""))
    rows.append(
        Row(
            group: "parse", name: "  of which: sign (Ed25519)", repetitions: heavyRepetitions, sample: sign,
            ratio: ratio(sign.median, libyamlMedian), note: ""))
}

// MARK: Table

let tables =
    try validation.map { try ScopeTableCompiler.compile($0.resolved, options: compileOptions, signer: signer) } ?? []
let tablePath = corpusDirectory.appendingPathComponent("table.kst").path
if let table = tables.first {
    try Data(table.bytes).write(to: URL(fileURLWithPath: tablePath))
}
let trust = TableOpenOptions(trustedKeys: [signer.publicKey], now: checkDate.unixSeconds)
if enabled("table"), let table = tables.first {
    let open = try timeMilliseconds(repetitions: lightRepetitions) {
        blackHole(try ScopeTable(path: tablePath, options: trust))
    }
    rows.append(
        Row(
            group: "table", name: "open + verify table (read, Ed25519, all offsets)", repetitions: lightRepetitions,
            sample: open, ratio: "", note: "target < 50 ms"))
    let perKey = Double(table.bytes.count) / Double(max(1, table.contents.keys.count))
    rows.append(
        Row(
            group: "table", name: "table size", repetitions: 1, sample: nil,
            ratio: ratio(Double(table.bytes.count), Double(yamlBytes)),
            note:
                "\(table.bytes.count) bytes vs \(yamlBytes) bytes of YAML; \(format(perKey)) bytes/key; target ≤ 0.50×")
    )
}

// MARK: Decisions

if enabled("decisions") || enabled("store"), !tables.isEmpty, let validation {
    let product = validation.resolved.products[0]
    let scopeTable = try ScopeTable(path: tablePath, options: trust)
    var reference = DictionaryReference(scopes: [:], capabilities: [:])
    let all = Set(product.capabilities.indices)
    for (index, capability) in product.capabilities.enumerated() { reference.capabilities[capability.id] = index }
    for key in product.keys { reference.scopes[key.name] = key.unscoped ? all : Set(key.capabilities) }
    // Seeded pairs over the whole key set, about half allowed.
    var rng = SplitMix64(seed: 2026)
    let count = max(1, options.decisions)
    var keys: [String] = []
    var capabilities: [String] = []
    keys.reserveCapacity(count)
    capabilities.reserveCapacity(count)
    for _ in 0..<count {
        let key = product.keys[Int(rng.next(below: UInt64(product.keys.count)))]
        keys.append(key.name)
        let granted = key.unscoped ? Array(all) : key.capabilities
        if rng.next(below: 2) == 0, !granted.isEmpty {
            capabilities.append(product.capabilities[granted[Int(rng.next(below: UInt64(granted.count)))]].id)
        } else {
            capabilities.append(product.capabilities[Int(rng.next(below: UInt64(product.capabilities.count)))].id)
        }
    }
    let now = checkDate.unixSeconds
    var allowedByTable = 0
    var allowedByReference = 0
    for index in 0..<count {
        if scopeTable.decide(key: keys[index], capability: capabilities[index], now: now) == .allow {
            allowedByTable += 1
        }
        if reference.decide(key: keys[index], capability: capabilities[index]) { allowedByReference += 1 }
    }
    // Both loops read the pairs through buffer pointers, so the harness adds no reference counting
    // to either side; repetitions alternate between the two, so both see the same machine conditions.
    func referencePass() {
        var allowed = 0
        keys.withUnsafeBufferPointer { keys in
            capabilities.withUnsafeBufferPointer { capabilities in
                for index in 0..<count where reference.decide(key: keys[index], capability: capabilities[index]) {
                    allowed += 1
                }
            }
        }
        blackHole(allowed)
    }
    func tablePass() {
        var allowed = 0
        keys.withUnsafeBufferPointer { keys in
            capabilities.withUnsafeBufferPointer { capabilities in
                for index in 0..<count
                where scopeTable.decide(key: keys[index], capability: capabilities[index], now: now) == .allow {
                    allowed += 1
                }
            }
        }
        blackHole(allowed)
    }
    referencePass()
    tablePass()
    var referenceTimes: [Double] = []
    var tableTimes: [Double] = []
    for _ in 0..<lightRepetitions {
        referenceTimes += timeMilliseconds(repetitions: 1, warmUp: false, referencePass).values
        tableTimes += timeMilliseconds(repetitions: 1, warmUp: false, tablePass).values
    }
    let referenceSample = Sample(values: referenceTimes, unit: "ms")
    let tableSample = Sample(values: tableTimes, unit: "ms")
    let before = ks_allocation_count()
    var allowed = 0
    for index in 0..<count
    where scopeTable.decide(key: keys[index], capability: capabilities[index], now: now) == .allow { allowed += 1 }
    let allocations = ks_allocation_count() - before
    blackHole(allowed)
    let nsReference = referenceSample.values.map { $0 * 1e6 / Double(count) }
    let nsTable = tableSample.values.map { $0 * 1e6 / Double(count) }
    let referenceNs = Sample(values: nsReference, unit: "ns")
    let tableNs = Sample(values: nsTable, unit: "ns")
    rows.append(
        Row(
            group: "decisions", name: "[String: Set<Int>] lookup (reference)", repetitions: lightRepetitions,
            sample: referenceNs, ratio: "1.00×",
            note: "\(count) seeded pairs, \(allowedByReference * 100 / count)% allowed"))
    rows.append(
        Row(
            group: "decisions", name: "ScopeTable.decide", repetitions: lightRepetitions, sample: tableNs,
            ratio: ratio(tableNs.median, referenceNs.median),
            note:
                "\(allowedByTable * 100 / count)% allowed; \(allocations) allocations in \(count) decisions; target ≤ 0.50× and 0 allocations"
        ))
    // The store group: decisions per second on 1 and 2 threads through the lock-free store, the
    // previous mutex store and the bare table, all deciding the same pairs at the same clock.
    if enabled("store") {
        let live = try ScopeTableCompiler.compile(
            validation.resolved,
            options: CompileOptions(serial: 2, issuedAt: CoarseClock.systemNow() - 60, validFor: 86_400, revision: nil),
            signer: signer)[0].bytes
        let livePath = corpusDirectory.appendingPathComponent("live.kst").path
        try Data(live).write(to: URL(fileURLWithPath: livePath))
        let liveOptions = TableOpenOptions(trustedKeys: [signer.publicKey], now: nil)
        let bare = try ScopeTable(path: livePath, options: liveOptions)
        let store = ScopeTableStore(path: livePath, options: liveOptions)
        store.reload()
        let mutexStore = MutexStore(bare)
        let clock = CoarseClock.shared
        let contestants: [(String, @Sendable (String, String) -> Decision)] = [
            ("bare ScopeTable.decide (reference)", { bare.decide(key: $0, capability: $1, now: clock.now) }),
            ("ScopeTableStore.decide (atomic pointer + epoch slot)", { store.decide(key: $0, capability: $1) }),
            ("mutex + retain store (before issue 14)", { mutexStore.decide(key: $0, capability: $1, now: clock.now) }),
        ]
        /// Decisions per second with `threads` threads each deciding every pair once.
        /// The pairs as buffers, read by every thread (never written while they run).
        struct Pairs: @unchecked Sendable {
            let keys: UnsafeBufferPointer<String>
            let capabilities: UnsafeBufferPointer<String>
        }
        func throughput(threads: Int, _ decide: @Sendable (String, String) -> Decision) -> Double {
            let start = monotonicNanoseconds()
            let allowedCounts = WorkerSlots<Int>(count: threads, repeating: 0)
            keys.withUnsafeBufferPointer { keys in
                capabilities.withUnsafeBufferPointer { capabilities in
                    let pairs = Pairs(keys: keys, capabilities: capabilities)
                    DispatchQueue.concurrentPerform(iterations: threads) { thread in
                        var allowed = 0
                        for index in 0..<count where decide(pairs.keys[index], pairs.capabilities[index]) == .allow {
                            allowed += 1
                        }
                        allowedCounts.set(thread, allowed)
                    }
                }
            }
            blackHole(allowedCounts.array())
            return Double(threads * count) / (Double(monotonicNanoseconds() - start) / 1e9)
        }
        for threads in [1, 2] {
            var samples = [[Double]](repeating: [], count: contestants.count)
            for contestant in contestants { _ = throughput(threads: threads, contestant.1) }
            // Alternating rounds: every contestant sees the same machine conditions.
            for _ in 0..<lightRepetitions {
                for (index, contestant) in contestants.enumerated() {
                    samples[index].append(throughput(threads: threads, contestant.1) / 1e6)
                }
            }
            let reference = Sample(values: samples[0], unit: "M/s")
            for (index, contestant) in contestants.enumerated() {
                let sample = Sample(values: samples[index], unit: "M/s")
                rows.append(
                    Row(
                        group: "store", name: "\(contestant.0), \(threads) thread\(threads == 1 ? "" : "s")",
                        repetitions: lightRepetitions, sample: sample,
                        ratio: index == 0 ? "1.00×" : ratio(sample.median, reference.median),
                        note: index == 0 ? "\(count) pairs per thread; decisions per second, higher is better" : ""))
            }
        }
    }
    if allowedByTable != allowedByReference {
        FileHandle.standardError.write(
            Data(
                "warning: table allowed \(allowedByTable), reference \(allowedByReference) (keys expired at the check date account for the difference)\n"
                    .utf8))
    }
}

// MARK: Identity (SPEC §12): a key by the fingerprint of its secret, a capability by route

// The corpus has neither, so the benchmark gives every key a secret and every capability three
// routes (a literal, a parameter, a rest), compiles that table and looks up what a gateway in
// fingerprint and route mode looks up per request, next to the reference a gateway would write
// without a table: a dictionary of digests, and the routes scanned most specific first.
if enabled("decisions") || enabled("identity"), var contents = tables.first?.contents {
    let digests = contents.keys.map { KeyFingerprint.digest(of: Array("bench-secret-\($0.name)".utf8)) }
    for index in contents.keys.indices { contents.keys[index].fingerprints = [digests[index]] }
    for index in contents.capabilities.indices {
        let id = contents.capabilities[index].id
        contents.capabilities[index].routes = [
            "GET /v1/\(id)/{id}", "POST /v1/\(id)", "* /v1/\(id)/{id}/files/{path...}",
        ].sorted()
    }
    let identityTable = try ScopeTable(
        bytes: try TableSigner.sign(try TableEncoder.encode(contents), with: signer), options: trust)
    var rng = SplitMix64(seed: 12)
    let count = max(1, options.decisions)
    let queries = (0..<count).map { _ in digests[Int(rng.next(below: UInt64(digests.count)))] }
    let flat = queries.flatMap { $0 }
    var reference: [[UInt8]: Int] = [:]
    for (index, digest) in digests.enumerated() { reference[digest] = index }
    func fingerprintPass() {
        var found = 0
        flat.withUnsafeBytes { bytes in
            for index in 0..<count
            where identityTable.findKey(
                fingerprint: UnsafeRawBufferPointer(rebasing: bytes[(32 * index)..<(32 * index + 32)])) != nil
            {
                found += 1
            }
        }
        blackHole(found)
    }
    func dictionaryPass() {
        var found = 0
        for query in queries where reference[query] != nil { found += 1 }
        blackHole(found)
    }
    // Request paths: a capability's three forms, and a tenth that match nothing.
    let capabilityIDs = contents.capabilities.map(\.id)
    let paths: [(method: String, path: String)] = (0..<count).map { index in
        let id = capabilityIDs[Int(rng.next(below: UInt64(capabilityIDs.count)))]
        switch rng.next(below: 10) {
        case 0: return ("GET", "/v1/nowhere/\(index)")
        case 1, 2, 3: return ("POST", "/v1/\(id)")
        case 4, 5: return ("PUT", "/v1/\(id)/\(index)/files/a/b.txt")
        default: return ("GET", "/v1/\(id)/\(index)")
        }
    }
    let methods = paths.map { TableFormat.RouteMethod(text: $0.method) }
    let pathBytes = paths.map { Array($0.path.utf8) }
    func routePass() -> Int {
        var found = 0
        for index in 0..<count {
            if pathBytes[index].withUnsafeBytes({ identityTable.findRoute(method: methods[index], path: $0) }) != nil {
                found += 1
            }
        }
        return found
    }
    // The reference: every template, most specific first, the first that matches (a gateway's
    // router without an index). Linear in the routes, so it runs on a sample of the requests.
    let templates = try contents.capabilities.enumerated().flatMap { index, capability in
        try capability.routes.map { (index, try RouteTemplate(parsing: $0)) }
    }.sorted { RouteTemplate.moreSpecific($0.1, than: $1.1) }
    let referenceCount = max(1, min(count, 3_000_000 / max(1, templates.count)))
    let segments = paths.prefix(referenceCount).map { RequestPath.segments(of: Substring($0.path)) }
    func linearPass() -> Int {
        var found = 0
        for index in 0..<referenceCount
        where templates.contains(where: { $0.1.matches(method: paths[index].method, segments: segments[index]) }) {
            found += 1
        }
        return found
    }
    let secret = Array("bench-secret-\(contents.keys[0].name)".utf8)
    func hashPass() {
        var total = 0
        for _ in 0..<count { total &+= Int(KeyFingerprint.digest(of: secret)[0]) }
        blackHole(total)
    }
    // The table and the reference must agree on what they find before either is timed.
    let treeMatches = routePass()
    var referenceMatches = 0
    for index in 0..<referenceCount {
        let tree = pathBytes[index].withUnsafeBytes { identityTable.findRoute(method: methods[index], path: $0) }
        let linear = templates.first { $0.1.matches(method: paths[index].method, segments: segments[index]) }?.0
        if tree?.index != linear {
            FileHandle.standardError.write(Data("error: route tree and reference disagree on \(paths[index])\n".utf8))
            exit(1)
        }
        if linear != nil { referenceMatches += 1 }
    }
    var fingerprintTimes: [Double] = []
    var dictionaryTimes: [Double] = []
    var routeTimes: [Double] = []
    var linearTimes: [Double] = []
    var hashTimes: [Double] = []
    for _ in 0..<lightRepetitions {
        dictionaryTimes += timeMilliseconds(repetitions: 1, warmUp: false, dictionaryPass).values
        fingerprintTimes += timeMilliseconds(repetitions: 1, warmUp: false, fingerprintPass).values
        linearTimes += timeMilliseconds(repetitions: 1, warmUp: false) { blackHole(linearPass()) }.values
        routeTimes += timeMilliseconds(repetitions: 1, warmUp: false) { blackHole(routePass()) }.values
        hashTimes += timeMilliseconds(repetitions: 1, warmUp: false, hashPass).values
    }
    func perQuery(_ times: [Double], _ queries: Int) -> Sample {
        Sample(values: times.map { $0 * 1e6 / Double(queries) }, unit: "ns")
    }
    let before = ks_allocation_count()
    fingerprintPass()
    blackHole(routePass())
    let allocations = ks_allocation_count() - before
    let dictionary = perQuery(dictionaryTimes, count)
    let fingerprint = perQuery(fingerprintTimes, count)
    let linear = perQuery(linearTimes, referenceCount)
    let route = perQuery(routeTimes, count)
    rows.append(
        Row(
            group: "decisions", name: "[[UInt8]: Int] digest lookup (reference)", repetitions: lightRepetitions,
            sample: dictionary, ratio: "1.00×", note: "\(digests.count) fingerprints, \(count) lookups"))
    rows.append(
        Row(
            group: "decisions", name: "ScopeTable.findKey(fingerprint:)", repetitions: lightRepetitions,
            sample: fingerprint, ratio: ratio(fingerprint.median, dictionary.median),
            note:
                "binary search on the prefix, constant-time compare of the digest; \(allocations) allocations in \(count) fingerprint lookups and \(count) route matches"
        ))
    rows.append(
        Row(
            group: "decisions", name: "SHA-256 of a secret (per request, before the lookup)",
            repetitions: lightRepetitions, sample: perQuery(hashTimes, count), ratio: "",
            note: "\(secret.count)-byte secret"))
    rows.append(
        Row(
            group: "decisions", name: "linear most-specific-first route scan (reference)",
            repetitions: lightRepetitions, sample: linear, ratio: "1.00×",
            note: "\(templates.count) templates; \(referenceCount) requests, \(referenceMatches) matched"))
    rows.append(
        Row(
            group: "decisions", name: "ScopeTable.findRoute (route tree)", repetitions: lightRepetitions,
            sample: route, ratio: ratio(route.median, linear.median),
            note:
                "\(count) requests, \(treeMatches * 100 / count)% matched; agrees with the reference on every sampled request"
        ))
}

// MARK: Diff at 1% changed

var diffProcessArguments: [(String, [String])] = []

if enabled("diff"), validation != nil {
    let changedRoot = corpusDirectory.appendingPathComponent("changed").path
    for file in CorpusGenerator(parameters).changedFiles(percent: 1) {
        let url = URL(fileURLWithPath: changedRoot).appendingPathComponent(file.path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(file.contents.utf8).write(to: url)
    }
    let changedValidation = try PolicyValidator.validate(root: changedRoot, checkDate: checkDate)
    let changedTable = try ScopeTableCompiler.compile(
        changedValidation.resolved,
        options: CompileOptions(serial: 2, issuedAt: checkDate.unixSeconds, validFor: 30 * 86_400, revision: nil),
        signer: signer)[0]
    let changedPath = corpusDirectory.appendingPathComponent("changed.kst").path
    try Data(changedTable.bytes).write(to: URL(fileURLWithPath: changedPath))
    diffProcessArguments = [
        (
            "diff table vs table",
            [
                "diff", "--from", tablePath, "--to", changedPath, "--trusted-key",
                corpusDirectory.appendingPathComponent("bench-key.pub.pem").path, "--format", "json",
            ]
        ),
        (
            "diff policy vs policy",
            [
                "diff", "--from", "policy:" + root, "--to", "policy:" + changedRoot, "--now", checkDate.description,
                "--format", "json",
            ]
        ),
    ]
    let loader = StateLoader(trustedKeys: [signer.publicKey], checkDate: checkDate)
    let policyPair = try loader.loadPair(.policy(root), .policy(changedRoot))
    let changeCount = AccessDiff(from: policyPair.0, to: policyPair.1).changes.count
    let tablePair = try loader.loadPair(.table(tablePath), .table(changedPath))
    let tableChangeCount = AccessDiff(from: tablePair.0, to: tablePair.1).changes.count
    // In rounds, like the parse group: the policy diff's ratio is against validating one tree in the same round.
    let samples = try timeInRounds(
        repetitions: heavyRepetitions,
        [
            { try PolicyValidator.validate(root: root, checkDate: checkDate) },
            // The states are returned too, so that they are freed after the clock stops (the CLI exits without freeing
            // them).
            { () throws -> Any in
                let (before, after) = try loader.loadPair(.policy(root), .policy(changedRoot))
                return (before, after, AccessDiff(from: before, to: after))
            },
            { () throws -> Any in
                let (before, after) = try loader.loadPair(.table(tablePath), .table(changedPath))
                return (before, after, AccessDiff(from: before, to: after))
            },
        ])
    rows.append(
        Row(
            group: "diff", name: "validate one policy tree (reference)", repetitions: heavyRepetitions,
            sample: samples[0], ratio: "1.0×", note: ""))
    rows.append(
        Row(
            group: "diff", name: "diff policy vs policy, 1% of keys changed", repetitions: heavyRepetitions,
            sample: samples[1],
            ratio: roundRatio(samples[1].values, samples[0].values),
            note: "\(changeCount) changes; target ≤ 3× validate"))
    rows.append(
        Row(
            group: "diff", name: "diff table vs table, 1% of keys changed", repetitions: heavyRepetitions,
            sample: samples[2], ratio: "",
            note: "\(tableChangeCount) changes; verify both tables + compare + diff; target < 500 ms"))
}

// MARK: Whole commands, as child processes

// Each command runs as a fresh process, in rounds with a fresh process of the libyaml reference
// (this executable with `--libyaml-parse`), so both pay process start-up and a cold heap, and
// each ratio is the median of the per-round ratios.
if enabled("process") || enabled("validate") || enabled("compile") || enabled("diff") {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent("keyscope")
    if FileManager.default.isExecutableFile(atPath: binary.path) {
        let keyPath = corpusDirectory.appendingPathComponent("bench-key.pem")
        try Data(signer.pemRepresentation.utf8).write(to: keyPath)
        // `keyscope compile` refuses a private key others can read, as ssh does.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyPath.path)
        try Data(signer.publicKey.pemRepresentation.utf8).write(
            to: corpusDirectory.appendingPathComponent("bench-key.pub.pem"))
        let benchBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var commands: [(name: String, executable: URL, arguments: [String])] = [
            ("libyaml event parse, 1 thread (reference)", benchBinary, ["--libyaml-parse", root])
        ]
        if enabled("process") || enabled("validate") || enabled("diff") {
            commands.append(("`keyscope validate`", binary, ["validate", root, "--now", checkDate.description]))
        }
        if enabled("process") || enabled("compile") {
            commands.append(
                (
                    "`keyscope compile`", binary,
                    [
                        "compile", root, "--out", corpusDirectory.appendingPathComponent("out").path, "--signing-key",
                        keyPath.path, "--now", checkDate.description, "--issued-at", String(checkDate.unixSeconds),
                        "--revision", "bench",
                    ]
                ))
        }
        if enabled("process") || enabled("diff") {
            commands += diffProcessArguments.map { ("`keyscope \($0.0)`", binary, $0.1) }
        }
        let rounds = max(1, min(5, heavyRepetitions))
        var samples = [[Double]](repeating: [], count: commands.count)
        var peaks = [Double](repeating: 0, count: commands.count)
        var failures = [Int32](repeating: 0, count: commands.count)
        for round in 0...rounds {
            for (index, command) in commands.enumerated() {
                // The child's peak RSS is read by GNU time when present: a forked child's own
                // ru_maxrss would include the benchmark's memory from before exec.
                let rssFile = corpusDirectory.appendingPathComponent("rss.txt").path
                let timed = FileManager.default.isExecutableFile(atPath: "/usr/bin/time")
                let start = monotonicNanoseconds()
                let status =
                    timed
                    ? try runChild(
                        "/usr/bin/time", ["-f", "%M", "-o", rssFile, command.executable.path] + command.arguments)
                    : try runChild(command.executable.path, command.arguments)
                if status != 0 && !command.name.contains("diff") {
                    failures[index] = status
                    FileHandle.standardError.write(Data("error: \(command.name) exited with \(status)\n".utf8))
                }
                let elapsed = Double(monotonicNanoseconds() - start) / 1e6
                // Round 0 warms the page cache and is not counted.
                if round > 0 { samples[index].append(elapsed) }
                if let text = try? String(contentsOfFile: rssFile, encoding: .utf8),
                    let kilobytes = Double(text.trimmingCharacters(in: .whitespacesAndNewlines))
                {
                    peaks[index] = Swift.max(peaks[index], kilobytes / 1024)
                }
            }
        }
        for (index, command) in commands.enumerated() {
            let sample = Sample(values: samples[index], unit: "ms")
            // The policy diff is compared with validating one tree, everything else with libyaml.
            let reference =
                command.name.contains("policy vs policy")
                ? commands.firstIndex { $0.name.contains("validate") } ?? 0 : 0
            var note =
                peaks[index] > 0
                ? "peak RSS \(format(peaks[index])) MiB (whole process, GNU time)"
                : "peak RSS not measured (no /usr/bin/time)"
            if command.name.contains("compile") { note += "; target ≤ 2.5× libyaml" }
            if reference != 0 { note += "; ratio against `keyscope validate`, target ≤ 3×" }
            if command.name.contains("table vs table") { note += "; target < 500 ms" }
            // A command that failed measured nothing worth comparing: say so in the row itself.
            if failures[index] != 0 {
                note = "FAILED (exit \(failures[index])): the time is not a measurement; " + note
            }
            rows.append(
                Row(
                    group: "process", name: command.name + " process (wall)", repetitions: sample.values.count,
                    sample: sample,
                    ratio: failures[index] != 0 ? "—" : roundRatio(samples[index], samples[reference]), note: note))
        }
    }
}

// MARK: Report

print(header.joined(separator: "\n"))
print("")
if options.markdown {
    print("| group | benchmark | reps | median | min | max | ratio | notes |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows {
        let stats =
            row.sample.map {
                ["\(format($0.median)) \($0.unit)", "\(format($0.min)) \($0.unit)", "\(format($0.max)) \($0.unit)"]
            } ?? ["", "", ""]
        print(
            "| \(row.group) | \(row.name) | \(row.repetitions) | \(stats.joined(separator: " | ")) | \(row.ratio) | \(row.note) |"
        )
    }
} else {
    let nameWidth = (rows.map(\.name.count).max() ?? 10) + 2
    func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }
    print(
        pad("benchmark", nameWidth) + pad("reps", 6) + pad("median", 12) + pad("min", 12) + pad("max", 12)
            + pad("ratio", 8) + "notes")
    for row in rows {
        let stats =
            row.sample.map {
                [
                    pad("\(format($0.median)) \($0.unit)", 12), pad("\(format($0.min)) \($0.unit)", 12),
                    pad("\(format($0.max)) \($0.unit)", 12),
                ]
            } ?? [pad("", 12), pad("", 12), pad("", 12)]
        print(
            pad(row.name, nameWidth) + pad(String(row.repetitions), 6) + stats.joined() + pad(row.ratio, 8) + row.note)
    }
}

/// The median of the ratios of two series measured in the same rounds.
func roundRatio(_ values: [Double], _ reference: [Double]) -> String {
    format(Sample(values: zip(values, reference).map { $0 / $1 }, unit: "×").median) + "×"
}

func ratio(_ value: Double, _ reference: Double) -> String {
    guard reference > 0 else { return "" }
    let quotient = value / reference
    // Below 0.01 two decimals say nothing: give the quotient as "1/N".
    if quotient > 0 && quotient < 0.01 { return "1/\(Int((1 / quotient).rounded()))×" }
    return format(quotient) + "×"
}

/// One body measured in `timeInRounds`, with its row's name and note.
struct Contestant {
    var name: String
    var note: String
    var body: () throws -> Any
}

/// Results of concurrent workers, one slot each (kept so the work is not optimised away).
final class ConcurrentSlots<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [T?]
    init(_ count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: T) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }
}

/// A counter for concurrent workers (keeps results observable so work is not optimised away).
final class ConcurrentCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var total = 0
    init(_ capacity: Int) {}
    func add(_ value: Int) {
        lock.lock()
        total += value
        lock.unlock()
    }
}
