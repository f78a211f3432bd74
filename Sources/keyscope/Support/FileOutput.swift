import KeyscopeIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The command line's file access: `AtomicFile` (temporary file, fsync, rename, fsync of the
/// directory), with its errors turned into one-line command failures. Nothing is left partial (SPEC §9).
enum FileOutput {
    static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws {
        try failing {
            try AtomicFile.makeDirectories(AtomicFile.parent(of: path))
            try AtomicFile.write(bytes, to: path, mode: mode)
        }
    }

    /// Writes a file that must not exist yet (keys).
    static func writeNew(_ bytes: [UInt8], to path: String, mode: mode_t) throws {
        try failing {
            try AtomicFile.makeDirectories(AtomicFile.parent(of: path))
            try AtomicFile.writeNew(bytes, to: path, mode: mode)
        }
    }

    /// Writes every file under a staging name first and renames them only when all were written.
    static func writeAllAtomically(_ files: [(path: String, bytes: [UInt8])], mode: mode_t = 0o644) throws {
        var staged: [(temporary: String, path: String)] = []
        do {
            for file in files {
                let temporary =
                    "\(AtomicFile.parent(of: file.path))/.\(AtomicFile.baseName(of: file.path)).staged-\(getpid())"
                try writeAtomically(file.bytes, to: temporary, mode: mode)
                staged.append((temporary, file.path))
            }
        } catch {
            for item in staged { unlink(item.temporary) }
            throw error
        }
        for item in staged where rename(item.temporary, item.path) != 0 {
            let reason = AtomicFile.errorText()
            for other in staged { unlink(other.temporary) }
            throw CommandFailure("cannot write \(item.path): \(reason)")
        }
        for directory in Set(staged.map { AtomicFile.parent(of: $0.path) }) {
            try failing { try AtomicFile.syncDirectory(directory) }
        }
    }

    static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws {
        try failing { try AtomicFile.makeDirectories(path, mode: mode) }
    }

    static func list(_ directory: String) throws -> [String] {
        try failing { try AtomicFile.list(directory) }
    }

    static func readFile(_ path: String, limit: Int = 1 << 30) throws -> [UInt8] {
        var info = stat()
        if stat(path, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG {
            throw CommandFailure("cannot read \(path): not a regular file")
        }
        guard let bytes = try failing({ try AtomicFile.read(path, limit: limit) }) else {
            throw CommandFailure("cannot read \(path): No such file or directory")
        }
        return bytes
    }

    private static func failing<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as FileError {
            throw CommandFailure(error.message)
        }
    }
}
