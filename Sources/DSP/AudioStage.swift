/// The shape of every processing stage, after sox's effects chain: take a block,
/// give a block, drain at the end. The pipeline is a list of these.
///
/// Blocks are interleaved float frames (full scale ±1.0) with the stage's input
/// channel count; output is appended to the caller's array so stages can keep
/// their steady state free of allocations.
public protocol AudioStage: AnyObject {
    /// Channel count the stage expects.
    var inputChannels: Int { get }
    /// Channel count the stage produces.
    var outputChannels: Int { get }
    /// Processes one block and appends whatever output is ready to `output`.
    func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float])
    /// Signals the end of input and appends everything the stage still holds.
    func drain(into output: inout [Float])
}

/// Runs blocks through a list of stages, reusing two scratch buffers.
public final class StageChain {
    public private(set) var stages: [AudioStage]
    private var scratchA: [Float] = []
    private var scratchB: [Float] = []

    public init(_ stages: [AudioStage]) {
        for (a, b) in zip(stages, stages.dropFirst()) {
            precondition(a.outputChannels == b.inputChannels, "stage channel counts do not line up")
        }
        self.stages = stages
    }

    /// Processes one block through all stages; appends the chain's output to `output`.
    public func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        run(from: 0, input: input, into: &output)
    }

    /// Drains every stage in order, each drain's output flowing through the stages after it.
    public func drain(into output: inout [Float]) {
        for i in stages.indices {
            var drained: [Float] = []
            stages[i].drain(into: &drained)
            drained.withUnsafeBufferPointer { run(from: i + 1, input: $0, into: &output) }
        }
    }

    private func run(from first: Int, input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        guard first < stages.count else { output.append(contentsOf: input); return }
        if first == stages.count - 1 { stages[first].process(input, into: &output); return }
        scratchA.removeAll(keepingCapacity: true)
        stages[first].process(input, into: &scratchA)
        for i in (first + 1)..<stages.count {
            let isLast = i == stages.count - 1
            if isLast {
                scratchA.withUnsafeBufferPointer { stages[i].process($0, into: &output) }
            } else {
                scratchB.removeAll(keepingCapacity: true)
                scratchA.withUnsafeBufferPointer { stages[i].process($0, into: &scratchB) }
                swap(&scratchA, &scratchB)
            }
        }
    }
}
