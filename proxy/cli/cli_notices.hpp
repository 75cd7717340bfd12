#pragma once
// `geogate notices review` and `geogate notices approve`: the legal team's commands.
#include <string>

namespace geogate {

/// Writes the review sheet for the config's notices and rules to `out_path`. Exit code.
int cmd_notices_review(const std::string& config_path, const std::string& out_path);
/// Records an approval of a notice's texts (one language, or all). Exit code.
int cmd_notices_approve(const std::string& config_path, const std::string& notice_id,
                        const std::string& lang, const std::string& by);

} // namespace geogate
