import XCTest
@testable import GenreKitNN

final class TensorTests: XCTestCase {
    func testShapeStridesReshape() {
        let t = Tensor(shape: [2, 3, 4], values: (0..<24).map(Float.init))
        XCTAssertEqual(t.strides, [12, 4, 1])
        XCTAssertEqual(t[1, 2, 3], 23)
        XCTAssertEqual(t.reshaped([6, -1]).shape, [6, 4])
        XCTAssertEqual(t.item(1).values, (12..<24).map(Float.init))
        XCTAssertEqual(t.items(1..<2).shape, [1, 3, 4])
        XCTAssertEqual(Tensor.stacking([t, t]).shape, [4, 3, 4])
    }

    func testTransposeMatchesNaive() {
        var rng = TestRNG(seed: 1)
        let x = rng.tensor([2, 3, 4, 5])
        let perm = [0, 1, 3, 2]
        let y = x.transposed(perm)
        XCTAssertEqual(y.shape, [2, 3, 5, 4])
        for a in 0..<2 { for b in 0..<3 { for c in 0..<4 { for d in 0..<5 {
            XCTAssertEqual(y[a, b, d, c], x[a, b, c, d])
        } } } }
        let z = x.transposed([3, 0, 2, 1])
        for a in 0..<2 { for b in 0..<3 { for c in 0..<4 { for d in 0..<5 {
            XCTAssertEqual(z[d, a, c, b], x[a, b, c, d])
        } } } }
    }

    func testConcatMatchesNaive() {
        var rng = TestRNG(seed: 2)
        let a = rng.tensor([2, 3, 4]), b = rng.tensor([2, 5, 4])
        let y = Tensor.concatenate([a, b], alongAxis: 1)
        XCTAssertEqual(y.shape, [2, 8, 4])
        for i in 0..<2 { for j in 0..<8 { for k in 0..<4 {
            XCTAssertEqual(y[i, j, k], j < 3 ? a[i, j, k] : b[i, j - 3, k])
        } } }
        let c = rng.tensor([2, 3, 1])
        let z = Tensor.concatenate([a, c], alongAxis: 2)
        for i in 0..<2 { for j in 0..<3 { for k in 0..<5 {
            XCTAssertEqual(z[i, j, k], k < 4 ? a[i, j, k] : c[i, j, 0])
        } } }
    }

    func testPadMatchesNaive() {
        var rng = TestRNG(seed: 3)
        let x = rng.tensor([2, 4, 3, 1])
        let y = x.padded([(0, 0), (3, 2), (1, 0), (0, 0)], value: 0.5)
        XCTAssertEqual(y.shape, [2, 9, 4, 1])
        for b in 0..<2 { for t in 0..<9 { for f in 0..<4 {
            let inside = t >= 3 && t < 7 && f >= 1
            XCTAssertEqual(y[b, t, f, 0], inside ? x[b, t - 3, f - 1, 0] : 0.5)
        } } }
    }

    /// Padding on leading axes only (musicnn's input padded in time): the unpadded trailing axes are copied whole;
    /// no padding at all gives the tensor back.
    func testPadOnLeadingAxesMatchesNaive() {
        var rng = TestRNG(seed: 5)
        let x = rng.tensor([3, 5, 4, 1])
        let y = x.padded([(1, 0), (2, 3), (0, 0), (0, 0)], value: -1)
        XCTAssertEqual(y.shape, [4, 10, 4, 1])
        for b in 0..<4 { for t in 0..<10 { for f in 0..<4 {
            let inside = b >= 1 && t >= 2 && t < 7
            XCTAssertEqual(y[b, t, f, 0], inside ? x[b - 1, t - 2, f, 0] : -1)
        } } }
        XCTAssertEqual(x.padded([(0, 0), (0, 0), (0, 0), (0, 0)]), x)
    }

    func testReductions() {
        var rng = TestRNG(seed: 4)
        let x = rng.tensor([3, 7, 5])
        for axis in 0..<3 {
            let mx = x.max(alongAxis: axis), mn = x.min(alongAxis: axis), me = x.mean(alongAxis: axis)
            var shape = x.shape
            shape.remove(at: axis)
            XCTAssertEqual(mx.shape, shape)
            for i in 0..<shape[0] { for j in 0..<shape[1] {
                var vals = [Float]()
                for k in 0..<x.shape[axis] {
                    var idx = [i, j]
                    idx.insert(k, at: axis)
                    vals.append(x.values[x.offset(idx)])
                }
                XCTAssertEqual(mx[i, j], vals.max()!)
                XCTAssertEqual(mn[i, j], vals.min()!)
                let mean = Float(vals.map(Double.init).reduce(0, +) / Double(vals.count))
                XCTAssertEqual(me[i, j], mean, accuracy: 1e-6)
            } }
        }
    }

    func testMaxPoolMatchesNaive() {
        var rng = TestRNG(seed: 5)
        for (pool, strides) in [((4, 1), (2, 2)), ((2, 2), (2, 2)), ((4, 4), (4, 4)), ((1, 5), (1, 5)), ((3, 2), (1, 3))] {
            let x = rng.tensor([2, 11, 10, 3])
            let y = x.maxPool2D(pool: pool, strides: strides)
            let oh = (11 - pool.0) / strides.0 + 1, ow = (10 - pool.1) / strides.1 + 1
            XCTAssertEqual(y.shape, [2, oh, ow, 3])
            for b in 0..<2 { for a in 0..<oh { for q in 0..<ow { for c in 0..<3 {
                var m = -Float.infinity
                for i in 0..<pool.0 { for j in 0..<pool.1 { m = max(m, x[b, a * strides.0 + i, q * strides.1 + j, c]) } }
                XCTAssertEqual(y[b, a, q, c], m)
            } } } }
        }
    }

    func testActivations() {
        let x = Tensor(shape: [2, 3], values: [-2, 0, 3, 100, -100, 1])
        XCTAssertEqual(x.relu().values, [0, 0, 3, 100, 0, 1])
        let s = x.sigmoid()
        for (a, b) in zip(s.values, x.values) {
            XCTAssertEqual(Double(a), 1 / (1 + exp(-Double(b))), accuracy: 1e-7)
        }
        let sm = x.softmax()
        for r in 0..<2 {
            let row = (0..<3).map { Double(x[r, $0]) }
            let m = row.max()!
            let e = row.map { exp($0 - m) }
            let z = e.reduce(0, +)
            for c in 0..<3 { XCTAssertEqual(Double(sm[r, c]), e[c] / z, accuracy: 1e-6) }
        }
        XCTAssertEqual(x.clamped(to: 0, 2).values, [0, 0, 2, 2, 0, 1])
    }
}
