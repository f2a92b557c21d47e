import GenreKitCore
import XCTest
@testable import GenreKitLearning

final class PreprocessingTests: XCTestCase {
    func testStandardScalerMatchesSklearn() throws {
        let (xTrain, _, xTest, _) = try Fixture.data()
        let ref = dict(try Fixture.load("learning_models")["scaler"])
        var scaler = StandardScaler()
        scaler.fit(xTrain)
        let dMean = maxDiff(scaler.mean, doubles(ref["mean"]))
        let dScale = maxDiff(scaler.scale, doubles(ref["scale"]))
        let dVar = maxDiff(scaler.variance, doubles(ref["var"]))
        let dOut = maxDiff(scaler.transform(xTest), matrix(ref["test_transformed"]))
        print("PARITY StandardScaler mean \(dMean) scale \(dScale) var \(dVar) transform \(dOut)")
        XCTAssertLessThan(max(dMean, dScale, dVar, dOut), 1e-12)
        // The constant column (5) has variance 0, scale 1 and maps to exactly 0.
        XCTAssertEqual(scaler.variance[5], 0)
        XCTAssertEqual(scaler.scale[5], 1)
        XCTAssertTrue(scaler.transform(xTest).column(5).allSatisfy { $0 == 0 })
        XCTAssertLessThan(maxDiff(scaler.inverseTransform(scaler.transform(xTest)), xTest), 1e-12)
    }

    func testNearConstantColumnGetsUnitScale() {
        // 0.1 is not exact in binary: the two-pass variance is tiny but may be nonzero.
        var scaler = StandardScaler()
        scaler.fit(Matrix((0..<7).map { _ in [0.1, Double.random(in: 0...1)] }))
        XCTAssertEqual(scaler.scale[0], 1)
    }

    func testPCAMatchesSklearn() throws {
        let (xTrain, _, xTest, _) = try Fixture.data()
        let ref = dict(try Fixture.load("learning_models")["pca"])
        var pca = PCA(componentCount: 3)
        pca.fit(xTrain)
        let dComp = maxDiff(pca.components, matrix(ref["components"]))
        let dVar = maxDiff(pca.explainedVariance, doubles(ref["explained_variance"]))
        let dRatio = maxDiff(pca.explainedVarianceRatio, doubles(ref["explained_variance_ratio"]))
        let dOut = maxDiff(pca.transform(xTest), matrix(ref["test_transformed"]))
        print("PARITY PCA components \(dComp) variance \(dVar) ratio \(dRatio) transform \(dOut)")
        XCTAssertLessThan(dComp, 1e-9)
        XCTAssertLessThan(dVar, 1e-9)
        XCTAssertLessThan(dRatio, 1e-12)
        XCTAssertLessThan(dOut, 1e-9)
    }

    func testSymmetricEigenReconstructs() {
        var rng = SeededGenerator(seed: 3)
        for n in [1, 2, 5, 40] {
            let b = Matrix(rows: n, cols: n, values: (0..<(n * n)).map { _ in rng.nextGaussian() })
            var a = b.multiplied(by: b.transposed())
            a[0, 0] += 0  // symmetric positive semi-definite
            let eig = SymmetricEigen(a)
            XCTAssertEqual(eig.values, eig.values.sorted())
            // A v = λ v and V Vᵀ = I.
            let av = a.multiplied(by: eig.vectors.transposed())  // columns A v_i
            var residual = 0.0
            for i in 0..<n { for k in 0..<n { residual = max(residual, abs(av[k, i] - eig.values[i] * eig.vectors[i, k])) } }
            let vvt = eig.vectors.multiplied(by: eig.vectors.transposed())
            var orth = 0.0
            for i in 0..<n { for j in 0..<n { orth = max(orth, abs(vvt[i, j] - (i == j ? 1 : 0))) } }
            XCTAssertLessThan(residual, 1e-10 * Double(n), "n=\(n)")
            XCTAssertLessThan(orth, 1e-12, "n=\(n)")
        }
        // Repeated eigenvalues and a zero matrix.
        let eye = SymmetricEigen(Matrix([[2, 0, 0], [0, 2, 0], [0, 0, 1]]))
        XCTAssertEqual(eye.values, [1, 2, 2])
        XCTAssertEqual(SymmetricEigen(Matrix(rows: 3, cols: 3)).values, [0, 0, 0])
    }
}
