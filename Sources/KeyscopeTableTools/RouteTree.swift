import KeyscopeAccess
import KeyscopeTable

/// The route section of a table (format v2, SPEC §12): the capabilities' route templates as a
/// tree of path segments, written in preorder so that every child follows its parent.
///
/// A node has literal edges (sorted bytewise by segment), at most one parameter child and at
/// most one rest child, and the endpoints of the templates that end at it (sorted by method
/// code). `ScopeTable.findRoute` walks it depth first.
struct RouteTree {
    struct Endpoint {
        var method: TableFormat.RouteMethod
        var capability: Int
        var template: String
    }

    struct Node {
        var literals: [(segment: String, child: Int)] = []
        var parameter: Int?
        var rest: Int?
        var endpoints: [Endpoint] = []
    }

    private(set) var nodes = [Node()]
    private(set) var endpointCount = 0

    /// Builds the tree of every capability's routes; refuses what a policy's rules refuse too
    /// (a malformed template, the same method and shape twice) in case the contents did not come
    /// from a validated policy.
    init(_ capabilities: [TableCapability]) throws(TableEncodingError) {
        for (index, capability) in capabilities.enumerated() {
            for text in capability.routes {
                let template: RouteTemplate
                do {
                    template = try RouteTemplate(parsing: text)
                } catch {
                    throw TableEncodingError("capability \(capability.id): route `\(text)`: \(error)")
                }
                guard template.segments.count <= TableFormat.maxRouteSegments,
                    let method = TableFormat.RouteMethod(text: template.method)
                else {
                    throw TableEncodingError("capability \(capability.id): route `\(text)` cannot be stored")
                }
                var node = 0
                for segment in template.segments {
                    switch segment {
                    case .literal(let literal):
                        if let edge = nodes[node].literals.first(where: { $0.segment == literal }) {
                            node = edge.child
                        } else {
                            nodes.append(Node())
                            nodes[node].literals.append((literal, nodes.count - 1))
                            node = nodes.count - 1
                        }
                    case .parameter:
                        if nodes[node].parameter == nil {
                            nodes.append(Node())
                            nodes[node].parameter = nodes.count - 1
                        }
                        node = nodes[node].parameter!
                    case .rest:
                        if nodes[node].rest == nil {
                            nodes.append(Node())
                            nodes[node].rest = nodes.count - 1
                        }
                        node = nodes[node].rest!
                    }
                }
                guard !nodes[node].endpoints.contains(where: { $0.method == method }) else {
                    throw TableEncodingError(
                        "route `\(text)` of \(capability.id) matches the same requests as another route")
                }
                nodes[node].endpoints.append(Endpoint(method: method, capability: index, template: text))
                endpointCount += 1
            }
        }
        for index in nodes.indices {
            guard nodes[index].literals.count <= 0xFFFF else {
                throw TableEncodingError("more than 65535 routes continue one path with different segments")
            }
            nodes[index].literals.sort { Array($0.segment.utf8).lexicographicallyPrecedes(Array($1.segment.utf8)) }
            nodes[index].endpoints.sort { $0.method.rawValue < $1.method.rawValue }
        }
    }

    /// The section's bytes, interning segments and templates in preorder (per node: its literal
    /// segments in edge order, then its templates in method order). Empty without routes.
    func encode(strings: inout InternedStrings) -> [UInt8] {
        guard endpointCount > 0 else { return [] }
        // Preorder: a node, then the subtrees of its literal edges, its parameter, its rest.
        var order: [Int] = []
        var stack = [0]
        while let node = stack.popLast() {
            order.append(node)
            let children =
                nodes[node].literals.map(\.child) + [nodes[node].parameter, nodes[node].rest].compactMap { $0 }
            stack.append(contentsOf: children.reversed())
        }
        var offsets = [Int](repeating: 0, count: nodes.count)
        var offset = 0
        for node in order {
            offsets[node] = offset
            offset += TableFormat.routeNodeSize(
                literalCount: nodes[node].literals.count, endpointCount: nodes[node].endpoints.count)
        }
        var writer = ByteWriter()
        writer.bytes.reserveCapacity(offset)
        for index in order {
            let node = nodes[index]
            writer.u16(UInt16(node.literals.count))
            writer.u8(UInt8(node.endpoints.count))
            writer.u8(0)
            writer.u32(node.parameter.map { UInt32(offsets[$0]) } ?? TableFormat.none)
            writer.u32(node.rest.map { UInt32(offsets[$0]) } ?? TableFormat.none)
            for edge in node.literals {
                writer.u32(strings.ref(edge.segment))
                writer.u32(UInt32(offsets[edge.child]))
            }
            for endpoint in node.endpoints {
                writer.u8(endpoint.method.rawValue)
                writer.u8(0)
                writer.u16(UInt16(endpoint.capability))
                writer.u32(strings.ref(endpoint.template))
            }
        }
        return writer.bytes
    }
}
