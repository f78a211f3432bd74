import Foundation
import KeyscopeCompiler
import KeyscopeCorpus
import KeyscopePolicy
import KeyscopeTable
import KeyscopeTableTools
import KeyscopeTestSupport

/// The fixed test key: seed bytes 0x00…0x1f.
let vectorKey = try! SigningKey(seed: Array(0..<32))
let checkDate = CalendarDate(parsing: "2026-11-27")!
let issuedAt: Int64 = 1_767_225_600

/// Validates in-memory sources; fails the caller when there are errors.
func validated(_ files: [SourceFile], date: CalendarDate = checkDate) throws -> ValidationResult {
    let result = PolicyValidator.validate(PolicyLoader().load(files: files), checkDate: date)
    if result.diagnostics.hasErrors {
        throw TestFailure(
            "policy has errors: \(result.diagnostics.filter { $0.severity == .error }.prefix(3).map(\.message))")
    }
    return result
}

func files(in directory: URL) throws -> [SourceFile] {
    let paths = try PolicyLoader().findFiles(root: directory.path)
    return try paths.map { SourceFile(path: $0, bytes: Array(try Data(contentsOf: URL(fileURLWithPath: $0)))) }
}

func corpusFiles(_ parameters: CorpusParameters) -> [SourceFile] {
    CorpusGenerator(parameters).files().map { SourceFile(path: $0.path, text: $0.contents) }
}

func compileOne(
    _ result: ValidationResult, serial: UInt64 = 7, key: SigningKey = vectorKey, validFor: Int64 = 30 * 86_400
) throws -> CompiledTable {
    let tables = try ScopeTableCompiler.compile(
        result.resolved, options: CompileOptions(serial: serial, issuedAt: issuedAt, validFor: validFor, revision: nil),
        signer: key)
    guard let table = tables.first else { throw TestFailure("no product compiled") }
    return table
}

func trusting(
    _ key: SigningKey = vectorKey, now: Int64? = issuedAt + 60, product: String? = nil, minimumSerial: UInt64 = 0
) -> TableOpenOptions {
    TableOpenOptions(trustedKeys: [key.publicKey], expectedProduct: product, now: now, minimumSerial: minimumSerial)
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}
