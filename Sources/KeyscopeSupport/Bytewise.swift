#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Orders strings by their UTF-8 bytes: the order of tables and of every listing (not
/// `String.<`, which compares by Unicode canonical equivalence and can differ from it).
@inlinable
package func bytewiseLess(_ lhs: String, _ rhs: String) -> Bool {
    var lhs = lhs
    var rhs = rhs
    return lhs.withUTF8 { a in
        rhs.withUTF8 { b in
            let common = min(a.count, b.count)
            if common > 0 {
                let order = memcmp(a.baseAddress!, b.baseAddress!, common)
                if order != 0 { return order < 0 }
            }
            return a.count < b.count
        }
    }
}
