import Foundation
@testable import GenreKitServer

/// Checks requests and responses against the committed OpenAPI document, their values against its schemas (a
/// subset of JSON Schema: `$ref`, `anyOf`, `type`, `required`, `properties`, `additionalProperties` (a schema or
/// `false`), `items`, `enum`, `minimum`, `maximum`, `pattern`).
///
/// A request's query parameters (strings on the wire) are read as their schema's type first, so `top=abc` is "not an
/// integer" and `top=0` "below the minimum"; a `multipart/form-data` body is parsed (with the server's own parser)
/// into an object of its fields — a field sent several times, or a file, becomes an array — and checked like JSON.
struct OpenAPIChecker: @unchecked Sendable {
    let document: [String: Any]

    init() throws {
        document = try JSONSerialization.jsonObject(with: Data(PackageResources.openapi_json)) as! [String: Any]
    }

    /// Problems of a response to `method path` against the document: an undocumented status or content type, or a
    /// body that does not match the schema. Empty when it conforms.
    func problems(path: String, method: String, status: Int, contentType: String?, body: Data) -> [String] {
        guard let paths = document["paths"] as? [String: Any], let item = paths[path] as? [String: Any],
              let op = item[method.lowercased()] as? [String: Any], let responses = op["responses"] as? [String: Any] else {
            return ["\(method) \(path) is not in the document"]
        }
        guard let response = responses[String(status)] as? [String: Any] else { return ["\(method) \(path): status \(status) is not documented"] }
        guard let content = response["content"] as? [String: Any] else { return body.isEmpty ? [] : ["\(status) has no documented body"] }
        let type = contentType.map { String($0.split(separator: ";")[0]).trimmingCharacters(in: .whitespaces) } ?? ""
        guard let media = content[type] as? [String: Any] else { return ["\(method) \(path) \(status): content type '\(type)' is not documented"] }
        guard let schema = media["schema"] as? [String: Any] else { return [] }
        if type == "text/html" { return [] }
        guard let value = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) else { return ["body is not JSON"] }
        return validate(value, schema, at: "$")
    }

    /// Problems of a request, before it is sent: an undocumented path or method, a query parameter that is not
    /// documented, is missing though required, or does not match its schema; a body's Content-Type that is not
    /// documented (`audio/*` covers `audio/wav`), a missing required body, or multipart fields not matching the schema.
    func requestProblems(method: String, uri: String, contentType: String?, body: Data?) -> [String] {
        let parts = uri.split(separator: "?", maxSplits: 1)
        let path = String(parts[0])
        guard let paths = document["paths"] as? [String: Any], let item = paths[path] as? [String: Any],
              let op = item[method.lowercased()] as? [String: Any] else {
            return ["\(method) \(path) is not in the document"]
        }
        var problems: [String] = []
        let parameters = (op["parameters"] as? [[String: Any]] ?? []).filter { $0["in"] as? String == "query" }
        var given: [String: String] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                given[kv[0]] = kv.count == 2 ? kv[1] : ""
            }
        }
        for (name, text) in given.sorted(by: { $0.key < $1.key }) {
            guard let parameter = parameters.first(where: { $0["name"] as? String == name }) else {
                problems.append("query parameter '\(name)' is not documented"); continue
            }
            problems += validate(wire: text, parameter["schema"] as? [String: Any] ?? [:], at: "query.\(name)")
        }
        // A required parameter may come as a form field of a multipart upload instead (see the form's schema).
        let formFields = Set(Self.multipartFields(contentType: contentType, body: body)?.keys.map { $0 } ?? [])
        for p in parameters where p["required"] as? Bool == true && given[p["name"] as! String] == nil && !formFields.contains(p["name"] as! String) {
            problems.append("missing required query parameter '\(p["name"] as! String)'")
        }
        guard let requestBody = op["requestBody"] as? [String: Any] else {
            if let body, !body.isEmpty { problems.append("\(method) \(path) takes no body") }
            return problems
        }
        guard let body, !body.isEmpty else {
            if requestBody["required"] as? Bool == true { problems.append("missing required request body") }
            return problems
        }
        let content = requestBody["content"] as? [String: Any] ?? [:]
        guard let contentType else { return problems + ["a request body without Content-Type"] }
        let type = String(contentType.split(separator: ";")[0]).trimmingCharacters(in: .whitespaces).lowercased()
        let key = content.keys.first { $0 == type || ($0.hasSuffix("/*") && type.hasPrefix($0.dropLast())) }
        guard let key else { return problems + ["request Content-Type '\(type)' is not documented"] }
        guard type == "multipart/form-data", let schema = (content[key] as? [String: Any])?["schema"] as? [String: Any] else { return problems }
        guard let fields = Self.multipartFields(contentType: contentType, body: body) else { return problems + ["the multipart body does not parse"] }
        let properties = resolve(schema)["properties"] as? [String: Any] ?? [:]
        var object: [String: Any] = [:]
        for (field, values) in fields {
            let p = (properties[field] as? [String: Any]).map(resolve) ?? [:]
            if p["type"] as? String == "array" {
                let items = resolve(p["items"] as? [String: Any] ?? [:])
                object[field] = values.map { Self.read($0 as! String, as: items["type"] as? String) ?? $0 }
            } else {
                object[field] = values.count == 1 ? (Self.read(values[0] as! String, as: p["type"] as? String) ?? values[0]) : values
            }
        }
        return problems + validate(object, schema, at: "form")
    }

    /// A multipart body's fields, parsed by the server's parser: each name's values in order (a file's as "(file)");
    /// nil when the body is not multipart or does not parse.
    static func multipartFields(contentType: String?, body: Data?) -> [String: [Any]]? {
        guard let contentType, let body, let boundary = MultipartParser.boundary(contentType: contentType),
              var parser = try? MultipartParser(boundary: boundary), let events = try? parser.feed(body) + parser.finish() else { return nil }
        var fields: [String: [Any]] = [:], name = "", value: [UInt8] = [], isFile = false
        for event in events {
            switch event {
            case .part(let h): name = h.name ?? ""; value = []; isFile = h.filename != nil
            case .body(let b): value += b
            case .partEnd: fields[name, default: []].append(isFile ? "(file)" : String(decoding: value, as: UTF8.self))
            case .end: break
            }
        }
        return fields
    }

    /// A value given as text (a query parameter, a form field) checked against its schema's type and constraints.
    func validate(wire text: String, _ schema: [String: Any], at path: String) -> [String] {
        let type = resolve(schema)["type"] as? String
        guard let value = Self.read(text, as: type) else { return ["\(path): '\(text)' is not \(type ?? "?")"] }
        return validate(value, schema, at: path)
    }

    /// Text read as a schema type (`integer`, `number`, `boolean`, else the text); nil when it does not read.
    static func read(_ text: String, as type: String?) -> Any? {
        switch type {
        case "integer": return Int(text).map { NSNumber(value: $0) }
        case "number": return Double(text).flatMap { $0.isFinite ? NSNumber(value: $0) : nil }
        case "boolean": return text == "true" ? true : text == "false" ? false : nil
        default: return text
        }
    }

    func resolve(_ schema: [String: Any]) -> [String: Any] {
        guard let ref = schema["$ref"] as? String else { return schema }
        var node: Any = document
        for part in ref.dropFirst(2).split(separator: "/") { node = (node as! [String: Any])[String(part)]! }
        return resolve(node as! [String: Any])
    }

    func validate(_ value: Any, _ raw: [String: Any], at path: String) -> [String] {
        let schema = resolve(raw)
        var problems: [String] = []
        if let options = schema["anyOf"] as? [[String: Any]] {
            let each = options.map { validate(value, $0, at: path) }
            if !each.contains(where: \.isEmpty) { return ["\(path): matches none of anyOf: " + each.map { $0.joined(separator: "; ") }.joined(separator: " | ")] }
        }
        if let type = schema["type"] {
            let types = (type as? [String]) ?? [type as! String]
            if !types.contains(where: { Self.matches(value, $0) }) { return ["\(path): expected \(types.joined(separator: "|")), got \(Swift.type(of: value))"] }
        }
        if let allowed = schema["enum"] as? [Any], !allowed.contains(where: { "\($0)" == "\(value)" }) { problems.append("\(path): \(value) not in \(allowed)") }
        if let n = (value as? NSNumber)?.doubleValue {
            if let lo = schema["minimum"] as? Double, n < lo { problems.append("\(path): \(n) < \(lo)") }
            if let hi = schema["maximum"] as? Double, n > hi { problems.append("\(path): \(n) > \(hi)") }
        }
        if let text = value as? String, let pattern = schema["pattern"] as? String, text.range(of: pattern, options: .regularExpression) == nil {
            problems.append("\(path): '\(text)' does not match \(pattern)")
        }
        if let object = value as? [String: Any] {
            for key in schema["required"] as? [String] ?? [] where object[key] == nil { problems.append("\(path): missing required '\(key)'") }
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for (key, v) in object {
                if let p = properties[key] as? [String: Any] { problems += validate(v, p, at: "\(path).\(key)") }
                else if let extra = schema["additionalProperties"] as? [String: Any] { problems += validate(v, extra, at: "\(path).\(key)") }
                else if schema["additionalProperties"] as? Bool == false { problems.append("\(path): '\(key)' is not a documented property") }
            }
        }
        if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (i, v) in array.enumerated() { problems += validate(v, items, at: "\(path)[\(i)]") }
        }
        return problems
    }

    static func matches(_ value: Any, _ type: String) -> Bool {
        switch type {
        case "object": return value is [String: Any]
        case "array": return value is [Any]
        case "string": return value is String
        case "boolean": return value is Bool
        case "integer": return (value as? NSNumber).map { $0.doubleValue == $0.doubleValue.rounded() } == true
        case "number": return value is NSNumber
        case "null": return value is NSNull
        default: return false
        }
    }
}

extension OpenAPIChecker {
    /// The schema of the messages a WebSocket endpoint sends (`x-websocket.server-messages` of its GET).
    func serverMessageSchema(path: String) -> [String: Any]? {
        let paths = document["paths"] as? [String: Any]
        let get = (paths?[path] as? [String: Any])?["get"] as? [String: Any]
        let ws = get?["x-websocket"] as? [String: Any]
        return (ws?["server-messages"] as? [String: Any])?["schema"] as? [String: Any]
    }
}
