#include "proxy/telemetry/access_log.hpp"

#include "proxy/telemetry/event_log.hpp"

#include <algorithm>
#include <fcntl.h>
#include <unistd.h>

namespace geogate {
namespace {

constexpr std::size_t max_queued_bytes = 8 * 1024 * 1024;

void field(std::string& out, std::string_view key, std::string_view value) {
    out += ",\"";
    out += key;
    out += "\":\"";
    append_json_escaped(out, value);
    out += '"';
}

void number(std::string& out, std::string_view key, std::uint64_t value) {
    out += ",\"";
    out += key;
    out += "\":";
    out += std::to_string(value);
}

} // namespace

std::string client_address_text(const boost::asio::ip::address& a, client_ip_logging mode) {
    if (mode == client_ip_logging::none)
        return {};
    if (mode == client_ip_logging::full)
        return a.to_string();
    if (a.is_v4()) {
        auto b = a.to_v4().to_bytes();
        b[3] = 0;
        return boost::asio::ip::address_v4(b).to_string() + "/24";
    }
    auto b = a.to_v6().to_bytes();
    for (std::size_t i = 6; i < b.size(); ++i)
        b[i] = 0;
    return boost::asio::ip::address_v6(b).to_string() + "/48";
}

std::string format_access_line(const request_record& rec, client_ip_logging ip_mode,
                               bool log_query) {
    std::string out;
    out.reserve(512);
    out += "{\"time\":\"";
    out += utc_timestamp(rec.wall_start);
    out += '"';
    if (ip_mode != client_ip_logging::none) {
        if (rec.client)
            field(out, "client", client_address_text(*rec.client, ip_mode));
        else
            field(out, "client", "");
    }
    field(out, "protocol", rec.protocol == client_protocol::http2 ? "h2" : "http/1.1");
    field(out, "method", rec.method);
    field(out, "host", rec.host);
    field(out, "path", rec.path);
    if (log_query && !rec.query.empty())
        field(out, "query", rec.query);
    number(out, "status", rec.status);
    number(out, "bytes_in", rec.bytes_in);
    number(out, "bytes_out", rec.bytes_out);
    auto total = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - rec.start);
    number(out, "duration_us", static_cast<std::uint64_t>(total.count()));
    number(out, "upstream_us", static_cast<std::uint64_t>(rec.upstream_time.count()));
    if (rec.upstream_status)
        number(out, "upstream_status", rec.upstream_status);
    std::string region = rec.where.unknown() ? "unknown" : rec.where.country;
    field(out, "country", region);
    if (rec.where.subdivision_count)
        field(out, "subdivision", rec.where.subdivisions[0]);
    field(out, "decision", rules::to_string(rec.decision));
    field(out, "rule", rec.rule);
    if (!rec.notice_id.empty()) {
        field(out, "notice", rec.notice_id);
        field(out, "notice_lang", rec.notice_lang);
        field(out, "notice_version", rec.notice_version);
        out += rec.injected ? ",\"injected\":true" : ",\"injected\":false";
        if (!rec.unrewritable.empty())
            field(out, "unrewritable", rec.unrewritable);
    }
    if (!rec.cache.empty()) {
        field(out, "cache", rec.cache);
        if (!rec.cache_reason.empty())
            field(out, "cache_reason", rec.cache_reason);
    }
    if (!rec.mirror.empty())
        field(out, "mirror", rec.mirror);
    if (rec.aborted)
        out += ",\"aborted\":true";
    out += "}\n";
    return out;
}

access_log::access_log(std::string path, client_ip_logging ip_mode, bool log_query)
    : path_(std::move(path)), ip_mode_(ip_mode), log_query_(log_query) {
    if (path_ == "-")
        fd_ = STDOUT_FILENO;
    else
        fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd_ < 0)
        event_log::error("access_log_open_failed", {{"path", path_}});
    writer_ = std::thread([this] { run(); });
}

access_log::~access_log() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_one();
    writer_.join();
    if (fd_ > STDERR_FILENO)
        ::close(fd_);
}

void access_log::write(const request_record& rec) {
    auto line = format_access_line(rec, ip_mode_, log_query_);
    {
        std::lock_guard lock(mutex_);
        if (queued_bytes_ + line.size() > max_queued_bytes) {
            ++dropped_;
            return;
        }
        queued_bytes_ += line.size();
        queue_.push_back(std::move(line));
    }
    wake_.notify_one();
}

void access_log::reopen() {
    {
        std::lock_guard lock(mutex_);
        reopen_ = true;
        reopen_after_ = queue_.size();
    }
    wake_.notify_one();
}

std::uint64_t access_log::dropped() const noexcept {
    std::lock_guard lock(mutex_);
    return dropped_;
}

void access_log::run() {
    std::deque<std::string> batch;
    const auto write_lines = [this](auto first, auto last) {
        std::string buf;
        for (; first != last; ++first)
            buf += *first;
        for (std::size_t off = 0; fd_ >= 0 && off < buf.size();) {
            auto n = ::write(fd_, buf.data() + off, buf.size() - off);
            if (n <= 0)
                break;
            off += static_cast<std::size_t>(n);
        }
    };
    for (;;) {
        bool do_reopen = false;
        bool stopping = false;
        std::size_t before_reopen = 0;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stop_ || reopen_ || !queue_.empty(); });
            batch.swap(queue_);
            queued_bytes_ = 0;
            do_reopen = reopen_;
            reopen_ = false;
            before_reopen = do_reopen ? std::min(reopen_after_, batch.size()) : batch.size();
            stopping = stop_;
        }
        const auto split = batch.begin() + static_cast<std::ptrdiff_t>(before_reopen);
        write_lines(batch.begin(), split);
        if (do_reopen && path_ != "-") {
            int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
            if (fd >= 0) {
                if (fd_ > STDERR_FILENO)
                    ::close(fd_);
                fd_ = fd;
            }
        }
        write_lines(split, batch.end());
        batch.clear();
        if (stopping)
            return;
    }
}

} // namespace geogate
