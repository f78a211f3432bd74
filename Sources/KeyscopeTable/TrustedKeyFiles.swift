import KeyscopeSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why trusted keys could not be read; the message names the path.
public struct TrustedKeyFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One line naming the path and the reason.
    public let message: String
    /// The message.
    public var description: String { message }
}

extension TrustedKey {
    /// Key files are small: anything larger is not a public key.
    static let maximumFileSize = 64 << 10

    /// The keys at `paths`, each a `.pub.pem` file or a directory whose `.pub.pem` files are all
    /// read (in name order): what `--trusted-key` and `KEYSCOPE_TRUSTED_KEYS` name, for the
    /// command-line tool and for `keyscope serve` alike. At least one key, or an error.
    public static func load(from paths: [String]) throws(TrustedKeyFileError) -> [TrustedKey] {
        var keys: [TrustedKey] = []
        for path in paths {
            var info = stat()
            guard stat(path, &info) == 0 else {
                throw TrustedKeyFileError(
                    message: "cannot read trusted key \(path): \(String(cString: strerror(errno)))")
            }
            let files =
                (info.st_mode & S_IFMT) == S_IFDIR
                ? try publicKeyFiles(in: path).map { path == "/" ? "/\($0)" : "\(path)/\($0)" } : [path]
            for file in files { keys.append(try load(file)) }
        }
        guard !keys.isEmpty else {
            throw TrustedKeyFileError(message: "no .pub.pem files found in \(paths.joined(separator: ", "))")
        }
        return keys
    }

    /// One key file, read within `maximumFileSize`.
    static func load(_ path: String) throws(TrustedKeyFileError) -> TrustedKey {
        let bytes: [UInt8]
        do {
            bytes = try BoundedRead.bytes(path, limit: maximumFileSize)
        } catch {
            throw TrustedKeyFileError(message: "cannot read \(path): \(error)")
        }
        do {
            return try TrustedKey(pem: String(decoding: bytes, as: UTF8.self))
        } catch {
            throw TrustedKeyFileError(message: "cannot use \(path) as a trusted key: \(error)")
        }
    }

    /// The `.pub.pem` names in `directory`, sorted.
    static func publicKeyFiles(in directory: String) throws(TrustedKeyFileError) -> [String] {
        guard let handle = opendir(directory) else {
            throw TrustedKeyFileError(
                message: "cannot read trusted key \(directory): \(String(cString: strerror(errno)))")
        }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasSuffix(".pub.pem") { names.append(name) }
        }
        return names.sorted(by: bytewiseLess)
    }
}
