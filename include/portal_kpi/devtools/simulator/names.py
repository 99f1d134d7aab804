"""Vietnamese names for the portal simulator.

Department names are real provincial agency names; communes are built from Vietnamese
place-name syllables; procedures come from templates per field (lĩnh vực). Person and
company names are INVENTED combinations of common family, middle and given names — they
do not describe real people.
"""

from __future__ import annotations

import random
import unicodedata
from functools import lru_cache
from typing import NamedTuple


class Field(NamedTuple):
    """A field (lĩnh vực): code, name, and procedure names or permit objects.

    An entry starting with an upper-case letter is a full procedure name; an entry
    starting in lower case is a permit/certificate object expanded with PERMIT_TEMPLATES.
    """

    code: str
    name: str
    entries: tuple[str, ...]


class Department(NamedTuple):
    name: str
    weight: float  # relative dossier volume
    fields: tuple[Field, ...]


PERMIT_TEMPLATES: tuple[str, ...] = ("Cấp {}", "Cấp lại {}", "Gia hạn {}", "Sửa đổi, bổ sung {}")


def _f(code: str, name: str, *entries: str) -> Field:
    return Field(code, name, entries)


DEPARTMENTS: tuple[Department, ...] = (
    Department(
        "Văn phòng UBND tỉnh",
        0.6,
        (
            _f(
                "KSTT",
                "Kiểm soát thủ tục hành chính",
                "Tiếp nhận phản ánh, kiến nghị về quy định hành chính",
                "Xử lý phản ánh, kiến nghị của cá nhân, tổ chức về thủ tục hành chính",
            ),
            _f(
                "TCD",
                "Tiếp công dân",
                "Tiếp công dân tại Trụ sở tiếp công dân tỉnh",
                "Xử lý đơn khiếu nại, tố cáo, kiến nghị, phản ánh tại cấp tỉnh",
            ),
            _f(
                "CBTT",
                "Công báo",
                "Cung cấp văn bản quy phạm pháp luật đã đăng Công báo tỉnh",
            ),
        ),
    ),
    Department(
        "Sở Nội vụ",
        2.5,
        (
            _f(
                "TCBM",
                "Tổ chức bộ máy",
                "Thẩm định thành lập đơn vị sự nghiệp công lập",
                "Thẩm định tổ chức lại, giải thể đơn vị sự nghiệp công lập",
            ),
            _f(
                "TDKT",
                "Thi đua, khen thưởng",
                "Tặng Bằng khen của Chủ tịch UBND tỉnh",
                "Tặng danh hiệu Tập thể lao động xuất sắc",
                "Tặng Cờ thi đua của UBND tỉnh",
            ),
            _f(
                "VL",
                "Việc làm",
                "giấy phép lao động cho người lao động nước ngoài làm việc tại Việt Nam",
                "giấy phép hoạt động dịch vụ việc làm",
            ),
            _f(
                "NCC",
                "Người có công",
                "Công nhận liệt sĩ và cấp Bằng Tổ quốc ghi công",
                "Giải quyết chế độ trợ cấp thờ cúng liệt sĩ",
            ),
        ),
    ),
    Department(
        "Sở Tư pháp",
        4.0,
        (
            _f(
                "LLTP",
                "Lý lịch tư pháp",
                "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú"
                " tại Việt Nam",
                "Cấp Phiếu lý lịch tư pháp cho cơ quan nhà nước, tổ chức chính trị, tổ chức"
                " chính trị - xã hội",
            ),
            _f(
                "CCTP",
                "Công chứng",
                "Đăng ký hoạt động Văn phòng công chứng",
                "Thay đổi nội dung đăng ký hoạt động Văn phòng công chứng",
                "thẻ công chứng viên",
            ),
            _f(
                "HTNN",
                "Hộ tịch có yếu tố nước ngoài",
                "Đăng ký khai sinh có yếu tố nước ngoài",
                "Đăng ký kết hôn có yếu tố nước ngoài",
            ),
            _f(
                "LSTV",
                "Luật sư, tư vấn pháp luật",
                "Đăng ký hoạt động của tổ chức hành nghề luật sư",
                "thẻ tư vấn viên pháp luật",
            ),
            _f("TGPL", "Trợ giúp pháp lý", "Yêu cầu trợ giúp pháp lý"),
        ),
    ),
    Department(
        "Sở Tài chính",
        4.0,
        (
            _f(
                "DKKD",
                "Thành lập và hoạt động doanh nghiệp",
                "Đăng ký thành lập công ty trách nhiệm hữu hạn một thành viên",
                "Đăng ký thành lập công ty cổ phần",
                "Đăng ký thay đổi người đại diện theo pháp luật của công ty",
                "Thông báo tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn",
                "Giải thể doanh nghiệp",
            ),
            _f(
                "DTVN",
                "Đầu tư tại Việt Nam",
                "Chấp thuận chủ trương đầu tư của UBND cấp tỉnh",
                "giấy chứng nhận đăng ký đầu tư",
            ),
            _f(
                "QLCS",
                "Quản lý công sản",
                "Quyết định mua sắm tài sản công phục vụ hoạt động của cơ quan, tổ chức, đơn vị",
            ),
        ),
    ),
    Department(
        "Sở Công Thương",
        2.0,
        (
            _f(
                "KDK",
                "Kinh doanh khí",
                "giấy chứng nhận đủ điều kiện thương nhân kinh doanh mua bán LPG",
            ),
            _f(
                "DIEN",
                "Điện lực",
                "giấy phép hoạt động phát điện đối với nhà máy điện có quy mô dưới 50 MW",
                "giấy phép hoạt động bán lẻ điện",
            ),
            _f(
                "XTTM",
                "Xúc tiến thương mại",
                "Đăng ký thực hiện khuyến mại",
                "Thông báo thực hiện khuyến mại",
            ),
            _f(
                "XDAU",
                "Kinh doanh xăng dầu",
                "giấy chứng nhận cửa hàng đủ điều kiện bán lẻ xăng dầu",
            ),
        ),
    ),
    Department(
        "Sở Xây dựng",
        4.5,
        (
            _f(
                "HDXD",
                "Hoạt động xây dựng",
                "giấy phép xây dựng mới đối với công trình cấp I, cấp II",
                "chứng chỉ hành nghề hoạt động xây dựng hạng II, hạng III",
                "Thẩm định báo cáo nghiên cứu khả thi đầu tư xây dựng",
            ),
            _f(
                "DBO",
                "Đường bộ",
                "Đổi giấy phép lái xe do ngành Giao thông vận tải cấp",
                "Cấp lại giấy phép lái xe",
                "giấy phép liên vận Việt - Lào cho phương tiện",
            ),
            _f(
                "DTND",
                "Đường thủy nội địa",
                "Đăng ký phương tiện thủy nội địa lần đầu",
            ),
            _f(
                "NHAO",
                "Nhà ở",
                "Thẩm định giá bán, giá thuê mua nhà ở xã hội",
            ),
        ),
    ),
    Department(
        "Sở Khoa học và Công nghệ",
        1.5,
        (
            _f(
                "AT-BX",
                "An toàn bức xạ và hạt nhân",
                "giấy phép tiến hành công việc bức xạ",
                "chứng chỉ nhân viên bức xạ",
            ),
            _f(
                "TĐC",
                "Tiêu chuẩn đo lường chất lượng",
                "Đăng ký công bố hợp chuẩn dựa trên kết quả tự đánh giá",
                "Đăng ký kiểm tra nhà nước về chất lượng hàng hóa nhập khẩu",
            ),
            _f(
                "VTIN",
                "Viễn thông và Internet",
                "giấy phép thiết lập mạng viễn thông dùng riêng",
            ),
            _f("BCHI", "Bưu chính", "giấy phép bưu chính"),
            _f("SHTT", "Sở hữu trí tuệ", "Công nhận sáng kiến cấp tỉnh"),
        ),
    ),
    Department(
        "Sở Nông nghiệp và Môi trường",
        3.5,
        (
            _f(
                "DD",
                "Đất đai",
                "Giao đất, cho thuê đất không thông qua đấu giá quyền sử dụng đất",
                "Chuyển mục đích sử dụng đất phải được phép của cơ quan nhà nước có thẩm quyền",
            ),
            _f(
                "MTR",
                "Môi trường",
                "giấy phép môi trường",
                "Thẩm định báo cáo đánh giá tác động môi trường",
            ),
            _f("TNN", "Tài nguyên nước", "giấy phép khai thác nước dưới đất"),
            _f(
                "TSAN",
                "Thủy sản",
                "giấy phép khai thác thủy sản",
                "Đăng ký tàu cá",
            ),
            _f("KSAN", "Địa chất và khoáng sản", "giấy phép khai thác khoáng sản"),
        ),
    ),
    Department(
        "Sở Giáo dục và Đào tạo",
        2.5,
        (
            _f(
                "GDĐT",
                "Giáo dục và Đào tạo",
                "Chuyển trường đối với học sinh trung học phổ thông",
                "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc",
                "Chỉnh sửa nội dung văn bằng, chứng chỉ",
                "Cho phép trung tâm ngoại ngữ, tin học hoạt động giáo dục",
                "Công nhận trường trung học đạt chuẩn quốc gia",
            ),
            _f(
                "GDNN",
                "Giáo dục nghề nghiệp",
                "giấy chứng nhận đăng ký hoạt động giáo dục nghề nghiệp",
            ),
        ),
    ),
    Department(
        "Sở Y tế",
        3.0,
        (
            _f(
                "KCB",
                "Khám bệnh, chữa bệnh",
                "giấy phép hành nghề khám bệnh, chữa bệnh",
                "giấy phép hoạt động đối với phòng khám đa khoa",
            ),
            _f(
                "DUOC",
                "Dược phẩm",
                "chứng chỉ hành nghề dược",
                "giấy chứng nhận đủ điều kiện kinh doanh dược",
            ),
            _f(
                "ATTP",
                "An toàn thực phẩm và Dinh dưỡng",
                "giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
            ),
            _f(
                "TTBYT",
                "Trang thiết bị y tế",
                "Công bố đủ điều kiện mua bán trang thiết bị y tế loại B, C, D",
            ),
        ),
    ),
    Department(
        "Sở Văn hóa, Thể thao và Du lịch",
        1.5,
        (
            _f(
                "DLICH",
                "Du lịch",
                "giấy phép kinh doanh dịch vụ lữ hành nội địa",
                "thẻ hướng dẫn viên du lịch",
                "Công nhận hạng cơ sở lưu trú du lịch",
            ),
            _f(
                "VHCS",
                "Văn hóa cơ sở",
                "Đăng ký tổ chức lễ hội cấp tỉnh",
                "Thông báo tổ chức biểu diễn nghệ thuật",
            ),
            _f(
                "TDTT",
                "Thể dục thể thao",
                "giấy chứng nhận đủ điều kiện kinh doanh hoạt động thể thao",
            ),
        ),
    ),
    Department(
        "Sở Dân tộc và Tôn giáo",
        0.8,
        (
            _f(
                "TGIAO",
                "Tôn giáo",
                "Đăng ký sinh hoạt tôn giáo tập trung",
                "Đề nghị tổ chức cuộc lễ ngoài cơ sở tôn giáo",
                "Thông báo tổ chức lễ hội tín ngưỡng",
            ),
            _f(
                "DTOC",
                "Công tác dân tộc",
                "Công nhận người có uy tín trong đồng bào dân tộc thiểu số",
                "Đưa ra khỏi danh sách người có uy tín trong đồng bào dân tộc thiểu số",
            ),
        ),
    ),
    Department(
        "Sở Ngoại vụ",
        0.5,
        (
            _f(
                "LSU",
                "Lãnh sự",
                "Cho phép tổ chức hội nghị, hội thảo quốc tế",
                "Cho chủ trương mời đoàn nước ngoài vào làm việc",
            ),
            _f(
                "PCP",
                "Viện trợ phi chính phủ nước ngoài",
                "Phê duyệt khoản viện trợ phi dự án",
            ),
        ),
    ),
    Department(
        "Thanh tra tỉnh",
        0.6,
        (
            _f(
                "KNAI",
                "Giải quyết khiếu nại",
                "Giải quyết khiếu nại lần đầu tại cấp tỉnh",
                "Giải quyết khiếu nại lần hai tại cấp tỉnh",
            ),
            _f("TCAO", "Giải quyết tố cáo", "Giải quyết tố cáo tại cấp tỉnh"),
            _f(
                "PCTN",
                "Phòng, chống tham nhũng",
                "Xác minh tài sản, thu nhập",
            ),
        ),
    ),
    Department(
        "Ban Quản lý Khu kinh tế Dung Quất và các KCN Quảng Ngãi",
        1.5,
        (
            _f(
                "DTVN",
                "Đầu tư tại Việt Nam",
                "Điều chỉnh dự án đầu tư trong khu kinh tế",
                "giấy chứng nhận đăng ký đầu tư trong khu kinh tế",
            ),
            _f(
                "LDKKT",
                "Lao động trong khu kinh tế",
                "giấy phép lao động cho người lao động nước ngoài làm việc trong khu kinh tế",
            ),
            _f(
                "HDXD",
                "Hoạt động xây dựng",
                "giấy phép xây dựng công trình trong khu kinh tế",
            ),
            _f("MTR", "Môi trường", "Đăng ký môi trường trong khu kinh tế"),
        ),
    ),
    Department(
        "Công an tỉnh",
        6.0,
        (
            _f(
                "CCUOC",
                "Cấp, quản lý căn cước",
                "Cấp thẻ căn cước cho công dân từ đủ 14 tuổi trở lên",
                "Cấp đổi thẻ căn cước",
                "Cấp lại thẻ căn cước",
            ),
            _f(
                "XNC",
                "Quản lý xuất nhập cảnh",
                "Cấp hộ chiếu phổ thông ở trong nước",
                "Cấp thị thực cho người nước ngoài tại Việt Nam",
            ),
            _f(
                "PCCC",
                "Phòng cháy, chữa cháy",
                "Thẩm định thiết kế về phòng cháy và chữa cháy",
                "Nghiệm thu về phòng cháy và chữa cháy",
            ),
            _f(
                "DKXE",
                "Đăng ký, quản lý phương tiện giao thông",
                "Đăng ký xe lần đầu",
                "Đăng ký sang tên xe trong tỉnh",
            ),
        ),
    ),
    Department(
        "Bảo hiểm xã hội tỉnh",
        4.0,
        (
            _f(
                "BHXH",
                "Bảo hiểm xã hội",
                "Giải quyết hưởng chế độ ốm đau",
                "Giải quyết hưởng chế độ thai sản",
                "Giải quyết hưởng lương hưu",
                "Giải quyết hưởng bảo hiểm xã hội một lần",
            ),
            _f(
                "BHYT",
                "Bảo hiểm y tế",
                "Cấp lại thẻ bảo hiểm y tế do bị mất, hỏng",
                "Đăng ký tham gia bảo hiểm y tế hộ gia đình",
            ),
        ),
    ),
    Department(
        "Cục Thuế tỉnh Quảng Ngãi",
        3.0,
        (
            _f(
                "THUE",
                "Thuế",
                "Đăng ký thuế lần đầu",
                "Hoàn thuế giá trị gia tăng",
                "Xác nhận việc thực hiện nghĩa vụ thuế",
            ),
            _f("HDON", "Hóa đơn", "Đăng ký sử dụng hóa đơn điện tử"),
        ),
    ),
    Department(
        "Kho bạc Nhà nước Quảng Ngãi",
        1.0,
        (
            _f(
                "KBNN",
                "Kho bạc nhà nước",
                "Đăng ký mở và sử dụng tài khoản tại Kho bạc Nhà nước",
                "Kiểm soát thanh toán vốn đầu tư",
                "Đăng ký, thay đổi mẫu dấu, mẫu chữ ký",
            ),
        ),
    ),
    Department(
        "Văn phòng Đăng ký đất đai tỉnh",
        8.0,
        (
            _f(
                "DKDD",
                "Đăng ký đất đai",
                "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
                "Cấp đổi giấy chứng nhận quyền sử dụng đất",
                "Đăng ký thế chấp quyền sử dụng đất, tài sản gắn liền với đất",
                "Xóa đăng ký thế chấp quyền sử dụng đất, tài sản gắn liền với đất",
                "Đăng ký đất đai, cấp giấy chứng nhận quyền sử dụng đất lần đầu",
                "Cung cấp thông tin, dữ liệu đất đai",
            ),
        ),
    ),
    Department(
        "Chi cục Kiểm lâm",
        0.8,
        (
            _f(
                "LNGH",
                "Lâm nghiệp",
                "Phê duyệt phương án khai thác thực vật rừng thông thường",
                "Đăng ký mã số cơ sở nuôi, trồng các loài động vật rừng, thực vật rừng",
                "Xác nhận bảng kê lâm sản",
            ),
        ),
    ),
    Department(
        "Chi cục Chăn nuôi và Thú y",
        1.0,
        (
            _f(
                "TYTE",
                "Thú y",
                "giấy chứng nhận cơ sở an toàn dịch bệnh động vật",
                "chứng chỉ hành nghề thú y",
                "Cấp giấy chứng nhận kiểm dịch động vật vận chuyển ra khỏi địa bàn cấp tỉnh",
            ),
            _f("CNUOI", "Chăn nuôi", "giấy chứng nhận đủ điều kiện chăn nuôi"),
        ),
    ),
    Department(
        "Chi cục Trồng trọt và Bảo vệ thực vật",
        0.8,
        (
            _f(
                "BVTV",
                "Bảo vệ thực vật",
                "giấy chứng nhận đủ điều kiện buôn bán thuốc bảo vệ thực vật",
                "Cấp giấy chứng nhận kiểm dịch thực vật nội địa",
            ),
            _f(
                "TTROT",
                "Trồng trọt",
                "Công nhận cây đầu dòng, vườn cây đầu dòng",
                "Cấp mã số vùng trồng",
            ),
        ),
    ),
    Department(
        "Chi cục Thủy lợi",
        0.5,
        (
            _f(
                "TLOI",
                "Thủy lợi",
                "giấy phép hoạt động trong phạm vi bảo vệ công trình thủy lợi",
                "Phê duyệt phương án ứng phó thiên tai cho công trình vùng hạ du đập",
            ),
            _f(
                "PCTT",
                "Phòng, chống thiên tai",
                "giấy phép cho các hoạt động trong phạm vi bảo vệ đê điều",
            ),
        ),
    ),
    Department(
        "Trung tâm Kiểm soát bệnh tật tỉnh",
        1.2,
        (
            _f(
                "YTDP",
                "Y tế dự phòng",
                "Cấp giấy chứng nhận tiêm chủng quốc tế",
                "Công bố cơ sở xét nghiệm đạt tiêu chuẩn an toàn sinh học cấp I, cấp II",
                "Kiểm dịch y tế đối với thi thể, hài cốt, tro cốt",
            ),
        ),
    ),
)

# Departments that may be renamed inside a simulated history: index -> new name.
RENAMES: dict[int, str] = {
    14: "Ban Quản lý Khu kinh tế và các Khu công nghiệp tỉnh Quảng Ngãi",
    17: "Thuế tỉnh Quảng Ngãi",
    18: "Kho bạc Nhà nước khu vực XIV",
    20: "Chi cục Kiểm lâm tỉnh Quảng Ngãi",
    24: "Trung tâm Kiểm soát bệnh tật tỉnh Quảng Ngãi",
}

COMMUNE_FIELDS: tuple[Field, ...] = (
    _f(
        "HTICH",
        "Hộ tịch",
        "Đăng ký khai sinh",
        "Đăng ký khai tử",
        "Đăng ký kết hôn",
        "Đăng ký nhận cha, mẹ, con",
        "Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch",
        "Cấp bản sao trích lục hộ tịch",
        "Cấp giấy xác nhận tình trạng hôn nhân",
        "Liên thông đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em"
        " dưới 6 tuổi",
    ),
    _f(
        "CTHUC",
        "Chứng thực",
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
        "Chứng thực chữ ký trong các giấy tờ, văn bản",
        "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản",
        "Chứng thực di chúc",
    ),
    _f(
        "DD",
        "Đất đai",
        "Hòa giải tranh chấp đất đai",
        "Đăng ký đất đai lần đầu đối với hộ gia đình, cá nhân",
        "Xác nhận hợp đồng chuyển nhượng quyền sử dụng đất",
    ),
    _f(
        "BTXH",
        "Bảo trợ xã hội",
        "Trợ cấp xã hội hằng tháng đối với đối tượng bảo trợ xã hội",
        "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội",
        "Xác định mức độ khuyết tật và cấp giấy xác nhận khuyết tật",
    ),
    _f(
        "HKD",
        "Thành lập và hoạt động hộ kinh doanh",
        "Đăng ký thành lập hộ kinh doanh",
        "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh",
        "Thông báo tạm ngừng hoạt động hộ kinh doanh",
    ),
    _f(
        "HDXD",
        "Hoạt động xây dựng",
        "Cấp giấy phép xây dựng nhà ở riêng lẻ",
        "Cấp giấy phép sửa chữa, cải tạo công trình",
    ),
    _f(
        "NCC",
        "Người có công",
        "Giải quyết chế độ mai táng phí đối với cựu chiến binh",
        "Xác nhận người có công với cách mạng đang hưởng trợ cấp",
    ),
    _f("TDKT", "Thi đua, khen thưởng", "Tặng giấy khen của Chủ tịch UBND cấp xã"),
    _f(
        "GDĐT",
        "Giáo dục và Đào tạo",
        "Xét, cấp học bổng chính sách",
        "Chuyển trường đối với học sinh trung học cơ sở",
    ),
    _f("CTRU", "Cư trú", "Đăng ký thường trú", "Đăng ký tạm trú", "Xóa đăng ký thường trú"),
)

_PLACE_FIRST = (
    "Tịnh", "Nghĩa", "Bình", "Đức", "Phổ", "Hành", "Sơn", "Ba", "Trà", "Minh", "Long", "An",
    "Mộ", "Thanh", "Tư", "Đăk", "Ngọc", "Măng", "Hòa", "Phước", "Tân", "Vạn", "Quang", "Thiện",
)  # fmt: skip
_PLACE_SECOND = (
    "Khê", "Sơn", "Hà", "Phong", "Thuận", "Hòa", "Lộc", "Thạnh", "Minh", "Tân", "Phước",
    "Trung", "Bắc", "Đông", "Tây", "Nam", "Hiệp", "An", "Châu", "Thủy", "Kỳ", "Giang",
    "Lâm", "Phú", "Điền", "Hải", "Mỹ", "Xuân", "Quang", "Vinh", "Tịnh", "Long",
)  # fmt: skip


def _build_communes(count: int = 100, wards: int = 16) -> tuple[str, ...]:
    rng = random.Random("portal-kpi-communes")
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        first, second = rng.choice(_PLACE_FIRST), rng.choice(_PLACE_SECOND)
        if first == second:
            continue
        place = f"{first} {second}"
        if place in seen:
            continue
        seen.add(place)
        out.append(("Phường " if len(out) < wards else "Xã ") + place)
    return tuple(out)


COMMUNES: tuple[str, ...] = _build_communes()
PROVINCE_NAME = "UBND tỉnh Quảng Ngãi"

# Invented person names: combinations of very common Vietnamese name parts.
FAMILY = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Phan", "Võ", "Vũ", "Đặng", "Bùi",
    "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trương", "Lương", "Mai", "Tạ", "Châu",
)  # fmt: skip
MIDDLE_MALE = ("Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Công", "Xuân", "Ngọc", "Tấn")
MIDDLE_FEMALE = ("Thị", "Ngọc", "Thu", "Kim", "Thanh", "Mỹ", "Bích", "Diệu", "Hồng", "Phương")
GIVEN_MALE = (
    "An", "Bình", "Cường", "Dũng", "Duy", "Hải", "Hiếu", "Hòa", "Hùng", "Huy", "Khang",
    "Khoa", "Lâm", "Long", "Lực", "Minh", "Nam", "Nghĩa", "Phát", "Phong", "Phúc", "Quân",
    "Sơn", "Tài", "Thắng", "Thành", "Thịnh", "Toàn", "Trung", "Tuấn", "Việt", "Vinh",
)  # fmt: skip
GIVEN_FEMALE = (
    "Anh", "Châu", "Dung", "Duyên", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Hương",
    "Lan", "Linh", "Loan", "Mai", "My", "Nga", "Ngân", "Nhung", "Oanh", "Phượng", "Quyên",
    "Tâm", "Thảo", "Thủy", "Trang", "Trâm", "Tuyết", "Uyên", "Vân", "Vy", "Yến",
)  # fmt: skip

# Invented organisation names.
COMPANY_FORMS = ("Công ty TNHH", "Công ty TNHH MTV", "Công ty Cổ phần", "Doanh nghiệp tư nhân")
COMPANY_SECTORS = (
    "Xây dựng", "Thương mại và Dịch vụ", "Nông sản", "Vận tải", "Thủy sản", "Cơ khí",
    "Du lịch", "Điện nước", "Tư vấn Thiết kế", "Vật liệu Xây dựng", "Thực phẩm", "Môi trường",
)  # fmt: skip
COMPANY_BRAND_1 = ("Thiên", "Hoàng", "Phú", "Minh", "Đại", "Tân", "Hưng", "Nam", "Việt", "An")
COMPANY_BRAND_2 = ("Phát", "Long", "Thịnh", "Khang", "Lộc", "Thành", "Gia", "Sơn", "Hải", "Tín")
STATE_ORG_FORMS = ("Trường Tiểu học", "Trường THCS", "Trạm Y tế", "Trường Mầm non")
OTHER_ORG_FORMS = ("Hội Nông dân", "Hợp tác xã Nông nghiệp", "Hội Cựu chiến binh", "Chi hội Phụ nữ")
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")

SUPPLEMENT_REASONS = (
    "Bổ sung bản sao giấy tờ tùy thân còn hiệu lực",
    "Bổ sung bản vẽ thiết kế có chữ ký, đóng dấu",
    "Hoàn thiện tờ khai theo mẫu quy định",
    "Bổ sung giấy tờ chứng minh quyền sử dụng đất",
    "Bổ sung văn bản ủy quyền có chứng thực",
    "Điều chỉnh thông tin không thống nhất giữa các thành phần hồ sơ",
    "Bổ sung bản chính để đối chiếu",
)
APOLOGY_REASONS = (
    "Hồ sơ cần xác minh thêm thông tin tại cơ quan liên quan",
    "Chờ ý kiến phối hợp của cơ quan chuyên môn",
    "Khối lượng hồ sơ tăng đột biến trong kỳ",
    "Cần thẩm định thực địa",
    "Sự cố kỹ thuật của hệ thống phần mềm một cửa",
)


@lru_cache(maxsize=4096)
def ascii_slug(text: str) -> str:
    """Lower-case ASCII form of a Vietnamese name ("Đặng Thị Hà" -> "dangthiha")."""
    text = text.replace("Đ", "D").replace("đ", "d")
    plain = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return "".join(c for c in plain.lower() if c.isalnum())
