import KeyscopeYAML

/// Source text with emoji position markers (1️⃣, 2️⃣, …), as in swift-format's tests:
/// tests name positions instead of counting lines and columns by hand.
public struct MarkedText: Sendable {
    /// The text with the markers removed.
    public var text: String
    /// Marker -> 1-based line and column (Unicode scalars) in `text`.
    public var markers: [String: (line: Int, column: Int)]

    public static let markerSymbols = ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣"]

    public init(_ marked: String) {
        var text = ""
        var markers: [String: (Int, Int)] = [:]
        var line = 1
        var column = 1
        var remaining = Substring(marked)
        outer: while let character = remaining.first {
            for symbol in MarkedText.markerSymbols where remaining.hasPrefix(symbol) {
                markers[symbol] = (line, column)
                remaining = remaining.dropFirst(symbol.count)
                continue outer
            }
            text.append(character)
            if character == "\n" {
                line += 1
                column = 1
            } else {
                column += character.unicodeScalars.count
            }
            remaining = remaining.dropFirst()
        }
        self.text = text
        self.markers = markers
    }

    /// The location of a marker in `file`.
    public func location(_ marker: String, file: String) -> SourceLocation {
        guard let position = markers[marker] else { return SourceLocation(file: file, line: 0, column: 0) }
        return SourceLocation(file: file, line: position.line, column: position.column)
    }
}
