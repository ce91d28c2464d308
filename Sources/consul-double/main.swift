// Runs the Consul test double in the foreground for `make soak` and manual use:
//   consul-double [--port N] [--token T] [--deny-writes PREFIX]... [--version V] [--max-txn-ops N] [--stall-txn-after N]
//                 [--tls-cert FILE --tls-key FILE [--tls-client-ca FILE]]
// --version sets what /v1/agent/self reports (and so the transaction limit: 128 from 1.14, else 64).
// It prints its URL on the first line (https:// with --tls-cert), then serves until killed.
// --tls-client-ca requires clients to present a certificate signed by that CA.
// --stall-txn-after N answers the first N transactions and never answers any later one.
import ConsulDouble
import Foundation

var options = DoubleOptions()
var arguments = CommandLine.arguments.dropFirst()
var tlsCertificate: String?
var tlsKey: String?
var tlsClientCA: String?
var stallAfter: Int?

func usage(_ problem: String) -> Never {
    FileHandle.standardError.write(Data("consul-double: \(problem)\nusage: consul-double [--port N] [--token T] [--deny-writes PREFIX]... [--version V] [--max-txn-ops N] [--stall-txn-after N] [--tls-cert FILE --tls-key FILE [--tls-client-ca FILE]]\n".utf8))
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
    case "--version": options.version = value
    case "--max-txn-ops":
        guard let limit = Int(value), limit > 0 else { usage("bad operation limit \(value)") }
        options.maxTransactionOperations = limit
    case "--stall-txn-after":
        guard let count = Int(value), count >= 0 else { usage("bad transaction count \(value)") }
        stallAfter = count
    case "--tls-cert": tlsCertificate = value
    case "--tls-key": tlsKey = value
    case "--tls-client-ca": tlsClientCA = value
    default: usage("unknown option \(flag)")
    }
}

switch (tlsCertificate, tlsKey) {
case let (certificate?, key?):
    // NIOSSL's load errors do not name the file.
    for file in [certificate, key, tlsClientCA].compactMap({ $0 }) where !FileManager.default.isReadableFile(atPath: file) {
        usage("cannot read \(file)")
    }
    options.tls = DoubleTLS(certificateChainFile: certificate, privateKeyFile: key, clientCAFile: tlsClientCA)
case (nil, nil):
    if tlsClientCA != nil { usage("--tls-client-ca needs --tls-cert and --tls-key") }
default:
    usage("--tls-cert and --tls-key go together")
}

let double: ConsulDouble
do {
    double = try await ConsulDouble.start(options)
} catch {
    FileHandle.standardError.write(Data("consul-double: cannot start: \(error)\n".utf8))
    exit(1)
}
if let stallAfter { double.faults.stallTransactions(after: stallAfter) }
FileHandle.standardOutput.write(Data((double.baseURL + "\n").utf8))
while true {
    try await Task.sleep(for: .seconds(3600))
}
