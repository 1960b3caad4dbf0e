import CPUFeatures
internal import DSPAVX2

/// One second-order section of a recursive filter:
/// `y[n] = b0 x[n] + b1 x[n-1] + b2 x[n-2] - a1 y[n-1] - a2 y[n-2]`.
public struct BiquadSection: Sendable, Equatable {
    public var b0, b1, b2, a1, a2: Double

    public init(b0: Double, b1: Double, b2: Double, a1: Double, a2: Double) {
        (self.b0, self.b1, self.b2, self.a1, self.a2) = (b0, b1, b2, a1, a2)
    }
}

/// Two biquad sections in cascade, run eight samples at a time by a block state-space
/// recursion in double precision (RecursiveFilterKernels.swift): the outputs of a block
/// and the state after it come from the state before it and the block's inputs, so
/// only four numbers carry from block to block. The block's matrices are worked out
/// once, in double precision, by running the sections (transposed direct form II) from
/// each unit state and each unit input. Samples that do not fill a block of eight go
/// one at a time through ``step(_:state:)``.
final class FourthOrderFilter: @unchecked Sendable {
    /// What carries from sample to sample.
    typealias State = SIMD4<Double>

    /// Y, X, S and T of the block recursion, 144 numbers (see the kernel).
    private let matrices: UnsafeMutablePointer<Double>
    /// The one-sample recursion: next state `A s + B x`, output `C . s + D x`.
    private let a: (State, State, State, State)
    private let b: State, c: State, d: Double
    private let blockKernel: (UnsafePointer<Float>, Int, UnsafePointer<Double>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Float>) -> Void
    let squareKernel: (UnsafePointer<Float>, Int) -> Double

    /// The filter `first` then `second`, with the kernels of `level`.
    init(_ first: BiquadSection, _ second: BiquadSection, level: SIMDLevel = .active) {
        // One step of the cascade in double precision: the state is each section's two
        // transposed-direct-form registers.
        func step(_ s: inout [Double], _ x: Double) -> Double {
            let y = first.b0 * x + s[0]
            s[0] = first.b1 * x - first.a1 * y + s[1]
            s[1] = first.b2 * x - first.a2 * y
            let w = second.b0 * y + s[2]
            s[2] = second.b1 * y - second.a1 * w + s[3]
            s[3] = second.b2 * y - second.a2 * w
            return w
        }
        // Runs `count` samples (input 1 at `impulse`, else 0) from `state`: outputs, final state.
        func response(from state: [Double], impulse: Int?, count: Int) -> ([Double], [Double]) {
            var s = state
            let y = (0..<count).map { step(&s, $0 == impulse ? 1 : 0) }
            return (y, s)
        }
        let unit = (0..<4).map { i in (0..<4).map { $0 == i ? 1.0 : 0.0 } }
        let zero = [Double](repeating: 0, count: 4)
        matrices = .allocate(capacity: 144)
        matrices.initialize(repeating: 0, count: 144)
        for i in 0..<4 {
            let (y, s) = response(from: unit[i], impulse: nil, count: 8)
            for k in 0..<8 { matrices[8 * i + k] = y[k] }
            for k in 0..<4 { matrices[96 + 4 * i + k] = s[k] }
        }
        for j in 0..<8 {
            let (y, s) = response(from: zero, impulse: j, count: 8)
            for k in 0..<8 { matrices[32 + 8 * j + k] = y[k] }
            for k in 0..<4 { matrices[112 + 4 * j + k] = s[k] }
        }
        func vector(_ v: [Double]) -> State { State(v[0], v[1], v[2], v[3]) }
        let columns = (0..<4).map { response(from: unit[$0], impulse: nil, count: 1) }
        a = (vector(columns[0].1), vector(columns[1].1), vector(columns[2].1), vector(columns[3].1))
        c = vector(columns.map { $0.0[0] })
        let drive = response(from: zero, impulse: 0, count: 1)
        b = vector(drive.1)
        d = drive.0[0]
        if level >= .avx2 {
            blockKernel = AVX2RecursiveFilterKernels.blockRecursion
            squareKernel = AVX2RecursiveFilterKernels.sumOfSquares
        } else {
            blockKernel = { blockRecursionKernel($0, count: $1, matrices: $2, state: $3, into: $4) }
            squareKernel = { sumOfSquaresKernel($0, count: $1) }
        }
    }

    deinit { matrices.deallocate() }

    /// Filters `count` samples, a multiple of 8, from `state` (updated) into `output`.
    func run(_ input: UnsafePointer<Float>, count: Int, state: inout State, into output: UnsafeMutablePointer<Float>) {
        precondition(count % 8 == 0)
        withUnsafeMutablePointer(to: &state) { p in
            p.withMemoryRebound(to: Double.self, capacity: 4) { blockKernel(input, count, matrices, $0, output) }
        }
    }

    /// Filters one sample.
    func step(_ x: Float, state s: inout State) -> Float {
        let v = Double(x), products = c * s
        let y = ((products[0] + products[1]) + (products[2] + products[3])) + d * v
        let low: State = a.0 * s[0] + a.1 * s[1], high: State = a.2 * s[2] + a.3 * s[3]
        let drive: State = b * v
        s = (low + high) + drive
        return Float(y)
    }
}

/// A stream cut into whole groups of eight samples counted from its start, however it
/// arrives: what does not fill a group waits for the next input. For kernels that work
/// a group at a time and must not depend on how the stream is cut.
struct GroupsOfEight {
    /// The samples of an unfinished group (at most seven).
    private(set) var waiting: [Float] = []

    init() { waiting.reserveCapacity(8) }

    /// Hands `body` the input's whole groups, the waiting group first once the input
    /// completes it, at most `limit` samples (a multiple of 8) at a time.
    mutating func feed(_ input: UnsafeBufferPointer<Float>, limit: Int = .max, _ body: (UnsafeBufferPointer<Float>) -> Void) {
        var start = input.startIndex
        if !waiting.isEmpty {
            let take = min(8 - waiting.count, input.count)
            waiting.append(contentsOf: input[start..<(start + take)])
            start += take
            guard waiting.count == 8 else { return }
            waiting.withUnsafeBufferPointer { body($0) }
            waiting.removeAll(keepingCapacity: true)
        }
        let end = start + ((input.endIndex - start) & ~7)
        while start < end {
            let n = min(limit, end - start)
            body(UnsafeBufferPointer(rebasing: input[start..<(start + n)]))
            start += n
        }
        waiting.append(contentsOf: input[end..<input.endIndex])
    }

    /// Takes the waiting samples away: the end of the stream.
    mutating func takeWaiting() -> [Float] {
        defer { waiting.removeAll(keepingCapacity: true) }
        return waiting
    }
}

/// A ``FourthOrderFilter`` over a stream: blocks of eight counted from the start of the
/// stream, so every output is computed the same way however the stream is cut; up to
/// seven samples wait for the next input, or go one at a time at the end.
struct FourthOrderStream {
    let filter: FourthOrderFilter
    private var state = FourthOrderFilter.State()
    private var groups = GroupsOfEight()

    init(_ filter: FourthOrderFilter) { self.filter = filter }

    /// Appends the outputs of every whole block to `output`; the rest waits.
    mutating func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        var s = state
        let f = filter
        groups.feed(input) { x in
            let o = output.count
            output.appendZeros(x.count)
            output.withUnsafeMutableBufferPointer { f.run(x.baseAddress!, count: x.count, state: &s, into: $0.baseAddress! + o) }
        }
        state = s
    }

    /// The outputs of the samples still waiting, as the end of the stream, leaving the
    /// stream as it was.
    func waitingOutputs() -> [Float] {
        var s = state
        return groups.waiting.map { filter.step($0, state: &s) }
    }

    /// Appends the outputs of the samples still waiting: the end of the stream.
    mutating func drain(into output: inout [Float]) {
        output.append(contentsOf: waitingOutputs())
        _ = groups.takeWaiting()
    }
}
