import Foundation
import XCTest
@testable import GenreKitLearning

/// Loads the JSON fixtures written by reference/make_learning_fixtures.py.
enum Fixture {
    static func load(_ name: String) throws -> [String: Any] {
        guard let path = Bundle.module.path(forResource: name, ofType: "json", inDirectory: "Fixtures") else {
            throw NSError(domain: "Fixture", code: 1, userInfo: [NSLocalizedDescriptionKey: "missing fixture \(name).json"])
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    static func data() throws -> (xTrain: Matrix, yTrain: [Int], xTest: Matrix, yTest: [Int]) {
        let d = try load("learning_data")
        return (matrix(d["X_train"]), ints(d["y_train"]), matrix(d["X_test"]), ints(d["y_test"]))
    }
}

func double(_ v: Any?) -> Double {
    if v is NSNull || v == nil { return .nan }
    return (v as! NSNumber).doubleValue
}

func doubles(_ v: Any?) -> [Double] { (v as! [Any]).map(double) }

func ints(_ v: Any?) -> [Int] { (v as! [Any]).map { ($0 as! NSNumber).intValue } }

func matrix(_ v: Any?) -> Matrix { Matrix((v as! [Any]).map(doubles)) }

func dict(_ v: Any?) -> [String: Any] { v as! [String: Any] }

/// max |a − b| (NaN where exactly one side is NaN → infinity).
func maxDiff(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "maxDiff: \(a.count) vs \(b.count)")
    var m = 0.0
    for (x, y) in zip(a, b) {
        if x.isNaN && y.isNaN { continue }
        if x.isNaN || y.isNaN { return .infinity }
        m = max(m, abs(x - y))
    }
    return m
}

func maxDiff(_ a: Matrix, _ b: Matrix) -> Double {
    precondition(a.rows == b.rows && a.cols == b.cols, "maxDiff: shapes \(a.rows)x\(a.cols) vs \(b.rows)x\(b.cols)")
    return maxDiff(a.values, b.values)
}

func assertClose(_ a: Double, _ b: Double, _ tol: Double, _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    if a.isNaN && b.isNaN { return }
    XCTAssertLessThanOrEqual(abs(a - b), tol, "\(message): \(a) vs \(b)", file: file, line: line)
}
