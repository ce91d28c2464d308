// Runs the Consul test double in the foreground for `make soak` and manual use:
//   consul-double [--port N] [--token T] [--deny-writes PREFIX]... [--max-txn-ops N]
// It prints its URL on the first line, then serves until killed.
import ConsulDouble
import Foundation

var options = DoubleOptions()
var arguments = CommandLine.arguments.dropFirst()

func usage(_ problem: String) -> Never {
    FileHandle.standardError.write(Data("consul-double: \(problem)\nusage: consul-double [--port N] [--token T] [--deny-writes PREFIX]... [--max-txn-ops N]\n".utf8))
    exit(2)
}

while let flag = arguments.popFirst() {
    guard let value = arguments.popFirst() else { usage("\(flag) needs a value") }
    switch flag {
    case "--port":
        guard let port = Int(value), (0...65535).contains(port) else { usage("bad port \(value)") }
        options.port = port
    case "--token": options.token = value
    case "--deny-writes": options.deniedWritePrefixes.append(value)
    case "--max-txn-ops":
        guard let limit = Int(value), limit > 0 else { usage("bad operation limit \(value)") }
        options.maxTransactionOperations = limit
    default: usage("unknown option \(flag)")
    }
}

let double = try await ConsulDouble.start(options)
FileHandle.standardOutput.write(Data((double.baseURL + "\n").utf8))
while true {
    try await Task.sleep(for: .seconds(3600))
}
