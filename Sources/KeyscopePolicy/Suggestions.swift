/// "Did you mean" suggestions by edit distance.
///
/// A suggestion is only made when it is close: at most a third of the
/// candidate's length and at most 4 edits, like swift-argument-parser's
/// `kSimilarityFloor`. No suggestion is better than a bad one.
public enum Suggestions {
    /// How many findings of one rule get a suggestion; the rest are reported without one.
    public static let perRule = 200

    /// The closest candidate to `value`, if one is close enough.
    public static func closest<S: Sequence>(to value: String, among candidates: S) -> String?
    where S.Element == String {
        let target = Array(value.unicodeScalars)
        var best: (String, Int)?
        for candidate in candidates {
            let other = Array(candidate.unicodeScalars)
            let limit = min(4, max(1, max(target.count, other.count) / 3))
            if abs(other.count - target.count) > limit { continue }
            let distance = editDistance(target, other, limit: limit)
            guard distance <= limit else { continue }
            if best == nil || distance < best!.1 || (distance == best!.1 && candidate < best!.0) {
                best = (candidate, distance)
            }
        }
        return best?.0
    }

    /// A `help` text for a suggestion, or nil.
    public static func didYouMean<S: Sequence>(_ value: String, among candidates: S) -> String?
    where S.Element == String {
        closest(to: value, among: candidates).map { "did you mean \(Quote.quoted($0))?" }
    }

    /// Levenshtein distance, stopping early once every path exceeds `limit`.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], limit: Int) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            var rowMin = current[0]
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                rowMin = min(rowMin, current[j])
            }
            if rowMin > limit { return rowMin }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

/// Candidates for "did you mean", bucketed by length, for rules that may ask thousands of times
/// against thousands of candidates: a suggestion is at most 4 edits away, so only buckets within
/// 4 of the query's length are compared, and at most `maximumCompared` candidates per query.
/// Without the bound, 20,000 unknown references against 20,000 capabilities took minutes.
public struct SuggestionIndex: Sendable {
    private var byLength: [Int: [String]] = [:]
    public var maximumCompared: Int

    public init<S: Sequence>(_ candidates: S, maximumCompared: Int = 2_000) where S.Element == String {
        for candidate in candidates { byLength[candidate.unicodeScalars.count, default: []].append(candidate) }
        for key in byLength.keys { byLength[key]!.sort() }
        self.maximumCompared = maximumCompared
    }

    /// A `help` text for a suggestion, or nil.
    public func didYouMean(_ value: String) -> String? {
        let length = value.unicodeScalars.count
        var compared: [String] = []
        for delta in [0, -1, 1, -2, 2, -3, 3, -4, 4] {
            guard let bucket = byLength[length + delta] else { continue }
            compared += bucket.prefix(maximumCompared - compared.count)
            if compared.count >= maximumCompared { break }
        }
        return Suggestions.didYouMean(value, among: compared)
    }
}
