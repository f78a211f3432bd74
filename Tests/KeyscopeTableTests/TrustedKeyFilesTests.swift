import Foundation
import KeyscopeTable
import KeyscopeTableTools
import KeyscopeTestSupport
import Testing

/// `TrustedKey.load(from:)`: what `--trusted-key` reads for the command-line tool and `keyscope serve`.
@Suite struct TrustedKeyFilesTests {
    @Test func filesAndDirectoriesOfPublicKeys() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let other = try SigningKey(seed: Array(repeating: 7, count: 32))
        try Data(vectorKey.publicKey.pemRepresentation.utf8).write(to: dir.appendingPathComponent("b.pub.pem"))
        try Data(other.publicKey.pemRepresentation.utf8).write(to: dir.appendingPathComponent("a.pub.pem"))
        try Data("not a key".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        // A directory: every .pub.pem, in name order; other files ignored.
        #expect(try TrustedKey.load(from: [dir.path]) == [other.publicKey, vectorKey.publicKey])
        #expect(try TrustedKey.load(from: [dir.appendingPathComponent("b.pub.pem").path]) == [vectorKey.publicKey])
        #expect(throws: TrustedKeyFileError.self) {
            try TrustedKey.load(from: [dir.appendingPathComponent("none").path])
        }
        #expect(throws: TrustedKeyFileError.self) {
            try TrustedKey.load(from: [dir.appendingPathComponent("notes.txt").path])
        }
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        do {
            _ = try TrustedKey.load(from: [empty.path])
            Issue.record("an empty directory must be refused")
        } catch {
            #expect(error.message.contains("no .pub.pem files found"))
        }
        // Oversized files are refused before parsing.
        try Data(repeating: 0x41, count: 100_000).write(to: dir.appendingPathComponent("big.pub.pem"))
        #expect(throws: TrustedKeyFileError.self) { try TrustedKey.load(from: [dir.path]) }
    }
}
