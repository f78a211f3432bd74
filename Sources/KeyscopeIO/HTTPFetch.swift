import Dispatch
import Foundation
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Why a GET failed.
public enum HTTPFetchError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidURL
    case timedOut(seconds: Double)
    case tooLarge(received: Int, limit: Int)
    case transport(String)
    case status(Int?)
    case emptyBody

    public var description: String {
        switch self {
        case .invalidURL: "invalid URL"
        case .timedOut(let seconds): "timed out after \(Int(seconds)) s"
        case .tooLarge(let received, let limit): "\(received) bytes, more than the limit of \(limit)"
        case .transport(let reason): reason
        case .status(let status): "HTTP \(status.map(String.init) ?? "error")"
        case .emptyBody: "empty response"
        }
    }
}

/// A bounded GET: the only place a keyscope library talks to the network.
public enum HTTPFetch {
    /// The body of `url`, or an error. The transfer is cancelled as soon as more than
    /// `limit` bytes arrive (or are announced), and the whole request is bounded by `timeout`.
    public static func get(_ url: String, limit: Int, timeout: Double) throws(HTTPFetchError) -> [UInt8] {
        switch try conditionalGet(url, etag: nil, limit: limit, timeout: timeout) {
        case .notModified: throw .status(304)
        case .body(let bytes, _): return bytes
        }
    }

    /// What a conditional GET found.
    public enum Conditional: Sendable, Equatable {
        /// 304: the resource still has the ETag that was sent.
        case notModified
        /// 2xx: the body and the resource's ETag, if the server sent one.
        case body([UInt8], etag: String?)
    }

    /// A GET with `If-None-Match: etag` (when given): a poller asks for a resource only when it
    /// changed, the way CDNs and object stores expect to be polled. Same limits as `get`.
    public static func conditionalGet(_ url: String, etag: String?, limit: Int, timeout: Double)
        throws(HTTPFetchError) -> Conditional
    {
        guard let target = URL(string: url), target.scheme == "http" || target.scheme == "https" else {
            throw .invalidURL
        }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        var request = URLRequest(url: target)
        // A table is incompressible signed bytes: asking for none keeps a small compressed
        // body from inflating into gigabytes; the size limit is counted on what arrives.
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        if let etag { request.setValue(etag, forHTTPHeaderField: "If-None-Match") }
        let fetch = BoundedBody(limit: limit)
        let session = URLSession(configuration: configuration, delegate: fetch, delegateQueue: nil)
        defer { session.invalidateAndCancel() }
        let task = session.dataTask(with: request)
        task.resume()
        if fetch.done.wait(timeout: .now() + timeout + 1) == .timedOut {
            task.cancel()
            throw .timedOut(seconds: timeout)
        }
        let result = fetch.state.withLock { $0 }
        if result.tooLarge { throw .tooLarge(received: result.received, limit: limit) }
        if let error = result.error { throw .transport(error) }
        if result.status == 304, etag != nil { return .notModified }
        guard let status = result.status, (200..<300).contains(status) else { throw .status(result.status) }
        guard !result.data.isEmpty else { throw .emptyBody }
        return .body(result.data, etag: result.etag)
    }
}

/// Collects a response body up to a limit, cancelling the transfer as soon as more arrives.
private final class BoundedBody: NSObject, URLSessionDataDelegate, Sendable {
    struct State: Sendable {
        var data: [UInt8] = []
        var received = 0
        var tooLarge = false
        var status: Int?
        var etag: String?
        var error: String?
    }

    let limit: Int
    let done = DispatchSemaphore(value: 0)
    let state = Mutex(State())

    init(limit: Int) { self.limit = limit }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void
    ) {
        let declared = response.expectedContentLength
        let over = declared > Int64(limit)
        state.withLock { state in
            state.status = (response as? HTTPURLResponse)?.statusCode
            state.etag = (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "ETag")
            if over {
                state.tooLarge = true
                state.received = Int(declared)
            }
        }
        completionHandler(over ? .cancel : .allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive chunk: Data) {
        let over = state.withLock { state in
            state.received += chunk.count
            if state.received > limit {
                state.tooLarge = true
                return true
            }
            state.data += chunk
            return false
        }
        if over { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        state.withLock { $0.error = error?.localizedDescription }
        done.signal()
    }
}
