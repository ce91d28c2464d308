import Foundation
import LogstashConfig

// Usage: parser-bench [--snippets N] [file ...]
// With files, parses each and prints its verdict; without, times N generated ~2 KB snippets.

func snippet(_ i: Int) -> String {
    """
    # pipeline part \(i): beats in, enrichment, elasticsearch out
    input {
      beats {
        id => "beats-\(i)"
        port => \(5000 + i % 1000)
        ssl => true
        ssl_certificate => "/etc/logstash/certs/logstash.crt"
        ssl_key => '/etc/logstash/certs/logstash.pkcs8.key'
        codec => json { charset => "UTF-8" }
      }
    }
    filter {
      if [fields][type] == "nginx-access" and [message] =~ /^\\d+\\.\\d+/ {
        grok {
          id => "grok-\(i)"
          match => { "message" => "%{IPORHOST:[source][ip]} - %{DATA:[user][name]} \\[%{HTTPDATE:ts}\\] \\"%{WORD:[http][method]} %{DATA:[url][original]} HTTP/%{NUMBER:[http][version]}\\" %{NUMBER:[http][status]:int} %{NUMBER:[http][bytes]:int}" }
          tag_on_failure => ["_grokparsefailure", "nginx_\(i)"]
        }
        date { match => ["ts", "dd/MMM/yyyy:HH:mm:ss Z"] target => "@timestamp" }
      } else if [fields][type] in ["syslog", "auth"] {
        mutate {
          add_field => { "[@metadata][index]" => "syslog-%{+YYYY.MM.dd}" "shard" => \(i % 7) }
          rename => { "host" => "[host][name]" }
          remove_field => ["agent", "ecs", "input"]   # not needed downstream
        }
      } else {
        drop { }
      }
      if ![geo] and [source][ip] !~ /^10\\./ { geoip { source => "[source][ip]" target => "[geo]" } }
      useragent { source => "[user_agent][original]" target => "[user_agent]" remove_field => ["[user_agent][device]"] }
      kv { source => "[url][query]" field_split => "&" value_split => "=" include_keys => ["utm_source", "utm_medium", "q"] }
      translate {
        field => "[http][status]"
        destination => "[http][status_text]"
        dictionary => { "200" => "OK" "301" => "Moved" "404" => "Not Found" "500" => "Server Error" }
        fallback => "unknown"
      }
    }
    output {
      elasticsearch {
        id => "es-\(i)"
        hosts => ["https://es1.example.org:9200", "https://es2.example.org:9200"]
        index => "%{[@metadata][index]}"
        user => "logstash_writer"
        password => "${ES_PASSWORD}"
        ssl_certificate_verification => true
        manage_template => false
      }
    }

    """
}

var arguments = Array(CommandLine.arguments.dropFirst())
var count = 1000
if arguments.first == "--snippets", arguments.count >= 2, let n = Int(arguments[1]) {
    count = n
    arguments.removeFirst(2)
}

if !arguments.isEmpty {
    var failed = false
    for path in arguments {
        guard let data = FileManager.default.contents(atPath: path) else {
            print("\(path): cannot read")
            failed = true
            continue
        }
        do {
            let config = try LogstashParser.parse(utf8: data)
            print("\(path): ok (\(config.plugins().count) plugins)")
        } catch {
            print("\(path): \(error.message)")
            failed = true
        }
    }
    exit(failed ? 1 : 0)
}

let inputs = (0..<count).map { Array(snippet($0).utf8) }
let totalBytes = inputs.reduce(0) { $0 + $1.count }
for input in inputs.prefix(10) { _ = try LogstashParser.parse(utf8: input) }  // warm-up

var best = Double.infinity
for _ in 0..<5 {
    let start = ContinuousClock.now
    var plugins = 0
    for input in inputs {
        plugins += try LogstashParser.parse(utf8: input).sections.count
    }
    let elapsed = start.duration(to: .now)
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    best = min(best, seconds)
    precondition(plugins == 3 * count)
}
let mb = Double(totalBytes) / 1_000_000
print(String(format: "%d snippets, %.2f MB (avg %d bytes): best %.1f ms, %.1f MB/s",
             count, mb, totalBytes / count, best * 1000, mb / best))
