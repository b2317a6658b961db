//! Japanese family and given names (kanji, katakana reading), weighted sampling, and the
//! half-width / hiragana forms that real exports (and injected errors) contain.

use crate::rng::Rng;
use std::sync::LazyLock;

/// A family name: kanji, full-width katakana reading, Hepburn romanisation.
pub(crate) type Surname = (&'static str, &'static str, &'static str);
/// A given name: as registered (usually kanji), full-width katakana reading.
pub(crate) type GivenName = (&'static str, &'static str);

/// Common family names in approximate frequency order (the order of the well-known
/// rankings of 名字由来net / 明治安田生命, top ~180, with the common 齋藤/渡邊/澤田 variants).
/// Weight is by rank (see [`rank_weight`]). All kanji are in JIS X 0208 (no CP932-only
/// forms such as 髙 or 﨑).
pub(crate) const SURNAMES: &[Surname] = &[
    ("佐藤", "サトウ", "Sato"),
    ("鈴木", "スズキ", "Suzuki"),
    ("高橋", "タカハシ", "Takahashi"),
    ("田中", "タナカ", "Tanaka"),
    ("伊藤", "イトウ", "Ito"),
    ("渡辺", "ワタナベ", "Watanabe"),
    ("山本", "ヤマモト", "Yamamoto"),
    ("中村", "ナカムラ", "Nakamura"),
    ("小林", "コバヤシ", "Kobayashi"),
    ("加藤", "カトウ", "Kato"),
    ("吉田", "ヨシダ", "Yoshida"),
    ("山田", "ヤマダ", "Yamada"),
    ("佐々木", "ササキ", "Sasaki"),
    ("山口", "ヤマグチ", "Yamaguchi"),
    ("松本", "マツモト", "Matsumoto"),
    ("井上", "イノウエ", "Inoue"),
    ("木村", "キムラ", "Kimura"),
    ("林", "ハヤシ", "Hayashi"),
    ("斎藤", "サイトウ", "Saito"),
    ("清水", "シミズ", "Shimizu"),
    ("山崎", "ヤマザキ", "Yamazaki"),
    ("森", "モリ", "Mori"),
    ("池田", "イケダ", "Ikeda"),
    ("橋本", "ハシモト", "Hashimoto"),
    ("阿部", "アベ", "Abe"),
    ("石川", "イシカワ", "Ishikawa"),
    ("山下", "ヤマシタ", "Yamashita"),
    ("中島", "ナカジマ", "Nakajima"),
    ("石井", "イシイ", "Ishii"),
    ("小川", "オガワ", "Ogawa"),
    ("前田", "マエダ", "Maeda"),
    ("岡田", "オカダ", "Okada"),
    ("長谷川", "ハセガワ", "Hasegawa"),
    ("藤田", "フジタ", "Fujita"),
    ("後藤", "ゴトウ", "Goto"),
    ("近藤", "コンドウ", "Kondo"),
    ("村上", "ムラカミ", "Murakami"),
    ("遠藤", "エンドウ", "Endo"),
    ("青木", "アオキ", "Aoki"),
    ("坂本", "サカモト", "Sakamoto"),
    ("斉藤", "サイトウ", "Saito"),
    ("福田", "フクダ", "Fukuda"),
    ("太田", "オオタ", "Ota"),
    ("西村", "ニシムラ", "Nishimura"),
    ("藤井", "フジイ", "Fujii"),
    ("金子", "カネコ", "Kaneko"),
    ("岡本", "オカモト", "Okamoto"),
    ("藤原", "フジワラ", "Fujiwara"),
    ("中野", "ナカノ", "Nakano"),
    ("三浦", "ミウラ", "Miura"),
    ("原田", "ハラダ", "Harada"),
    ("中川", "ナカガワ", "Nakagawa"),
    ("松田", "マツダ", "Matsuda"),
    ("竹内", "タケウチ", "Takeuchi"),
    ("小野", "オノ", "Ono"),
    ("田村", "タムラ", "Tamura"),
    ("中山", "ナカヤマ", "Nakayama"),
    ("和田", "ワダ", "Wada"),
    ("石田", "イシダ", "Ishida"),
    ("森田", "モリタ", "Morita"),
    ("上田", "ウエダ", "Ueda"),
    ("原", "ハラ", "Hara"),
    ("内田", "ウチダ", "Uchida"),
    ("柴田", "シバタ", "Shibata"),
    ("酒井", "サカイ", "Sakai"),
    ("宮崎", "ミヤザキ", "Miyazaki"),
    ("横山", "ヨコヤマ", "Yokoyama"),
    ("高木", "タカギ", "Takagi"),
    ("安藤", "アンドウ", "Ando"),
    ("宮本", "ミヤモト", "Miyamoto"),
    ("大野", "オオノ", "Ono"),
    ("小島", "コジマ", "Kojima"),
    ("谷口", "タニグチ", "Taniguchi"),
    ("今井", "イマイ", "Imai"),
    ("工藤", "クドウ", "Kudo"),
    ("高田", "タカダ", "Takada"),
    ("増田", "マスダ", "Masuda"),
    ("丸山", "マルヤマ", "Maruyama"),
    ("杉山", "スギヤマ", "Sugiyama"),
    ("村田", "ムラタ", "Murata"),
    ("大塚", "オオツカ", "Otsuka"),
    ("新井", "アライ", "Arai"),
    ("小山", "コヤマ", "Koyama"),
    ("平野", "ヒラノ", "Hirano"),
    ("藤本", "フジモト", "Fujimoto"),
    ("河野", "コウノ", "Kono"),
    ("上野", "ウエノ", "Ueno"),
    ("野口", "ノグチ", "Noguchi"),
    ("武田", "タケダ", "Takeda"),
    ("松井", "マツイ", "Matsui"),
    ("千葉", "チバ", "Chiba"),
    ("岩崎", "イワサキ", "Iwasaki"),
    ("菅原", "スガワラ", "Sugawara"),
    ("木下", "キノシタ", "Kinoshita"),
    ("久保", "クボ", "Kubo"),
    ("佐野", "サノ", "Sano"),
    ("野村", "ノムラ", "Nomura"),
    ("松尾", "マツオ", "Matsuo"),
    ("市川", "イチカワ", "Ichikawa"),
    ("菊地", "キクチ", "Kikuchi"),
    ("杉本", "スギモト", "Sugimoto"),
    ("古川", "フルカワ", "Furukawa"),
    ("大西", "オオニシ", "Onishi"),
    ("島田", "シマダ", "Shimada"),
    ("水野", "ミズノ", "Mizuno"),
    ("桜井", "サクライ", "Sakurai"),
    ("高野", "タカノ", "Takano"),
    ("渡部", "ワタナベ", "Watanabe"),
    ("吉川", "ヨシカワ", "Yoshikawa"),
    ("山内", "ヤマウチ", "Yamauchi"),
    ("西田", "ニシダ", "Nishida"),
    ("飯田", "イイダ", "Iida"),
    ("菊池", "キクチ", "Kikuchi"),
    ("西川", "ニシカワ", "Nishikawa"),
    ("小松", "コマツ", "Komatsu"),
    ("北村", "キタムラ", "Kitamura"),
    ("安田", "ヤスダ", "Yasuda"),
    ("五十嵐", "イガラシ", "Igarashi"),
    ("川口", "カワグチ", "Kawaguchi"),
    ("平田", "ヒラタ", "Hirata"),
    ("関", "セキ", "Seki"),
    ("中田", "ナカタ", "Nakata"),
    ("久保田", "クボタ", "Kubota"),
    ("服部", "ハットリ", "Hattori"),
    ("東", "ヒガシ", "Higashi"),
    ("岩田", "イワタ", "Iwata"),
    ("土屋", "ツチヤ", "Tsuchiya"),
    ("川崎", "カワサキ", "Kawasaki"),
    ("福島", "フクシマ", "Fukushima"),
    ("本田", "ホンダ", "Honda"),
    ("辻", "ツジ", "Tsuji"),
    ("樋口", "ヒグチ", "Higuchi"),
    ("秋山", "アキヤマ", "Akiyama"),
    ("田口", "タグチ", "Taguchi"),
    ("永井", "ナガイ", "Nagai"),
    ("山中", "ヤマナカ", "Yamanaka"),
    ("中西", "ナカニシ", "Nakanishi"),
    ("吉村", "ヨシムラ", "Yoshimura"),
    ("川上", "カワカミ", "Kawakami"),
    ("石原", "イシハラ", "Ishihara"),
    ("大橋", "オオハシ", "Ohashi"),
    ("松岡", "マツオカ", "Matsuoka"),
    ("馬場", "ババ", "Baba"),
    ("浅野", "アサノ", "Asano"),
    ("荒木", "アラキ", "Araki"),
    ("大久保", "オオクボ", "Okubo"),
    ("野田", "ノダ", "Noda"),
    ("小沢", "オザワ", "Ozawa"),
    ("田辺", "タナベ", "Tanabe"),
    ("川村", "カワムラ", "Kawamura"),
    ("星野", "ホシノ", "Hoshino"),
    ("黒田", "クロダ", "Kuroda"),
    ("堀", "ホリ", "Hori"),
    ("尾崎", "オザキ", "Ozaki"),
    ("望月", "モチヅキ", "Mochizuki"),
    ("永田", "ナガタ", "Nagata"),
    ("熊谷", "クマガイ", "Kumagai"),
    ("内藤", "ナイトウ", "Naito"),
    ("松村", "マツムラ", "Matsumura"),
    ("西山", "ニシヤマ", "Nishiyama"),
    ("大谷", "オオタニ", "Otani"),
    ("平井", "ヒライ", "Hirai"),
    ("大島", "オオシマ", "Oshima"),
    ("岩本", "イワモト", "Iwamoto"),
    ("片山", "カタヤマ", "Katayama"),
    ("本間", "ホンマ", "Homma"),
    ("早川", "ハヤカワ", "Hayakawa"),
    ("横田", "ヨコタ", "Yokota"),
    ("岡崎", "オカザキ", "Okazaki"),
    ("荒井", "アライ", "Arai"),
    ("大石", "オオイシ", "Oishi"),
    ("鎌田", "カマタ", "Kamata"),
    ("成田", "ナリタ", "Narita"),
    ("宮田", "ミヤタ", "Miyata"),
    ("小田", "オダ", "Oda"),
    ("石橋", "イシバシ", "Ishibashi"),
    ("篠原", "シノハラ", "Shinohara"),
    ("須藤", "スドウ", "Sudo"),
    ("河合", "カワイ", "Kawai"),
    ("高山", "タカヤマ", "Takayama"),
    ("小野寺", "オノデラ", "Onodera"),
    ("齋藤", "サイトウ", "Saito"),
    ("渡邊", "ワタナベ", "Watanabe"),
    ("澤田", "サワダ", "Sawada"),
];

/// Birth cohorts whose naming fashions differ: before 1945, 1945–1969, 1970–1994, 1995 on.
pub(crate) const ERAS: usize = 4;

pub(crate) fn era_of(birth_year: u16) -> usize {
    match birth_year {
        ..1945 => 0,
        1945..1970 => 1,
        1970..1995 => 2,
        _ => 3,
    }
}

/// Male given names by cohort, each list roughly in order of popularity for that cohort
/// (明治安田生命「生まれ年別の名前調査」 style rankings; one common reading each).
pub(crate) const MALE: [&[GivenName]; ERAS] = [
    &[
        ("清", "キヨシ"),
        ("茂", "シゲル"),
        ("勇", "イサム"),
        ("実", "ミノル"),
        ("進", "ススム"),
        ("博", "ヒロシ"),
        ("正", "タダシ"),
        ("武", "タケシ"),
        ("勝", "マサル"),
        ("修", "オサム"),
        ("昭", "アキラ"),
        ("豊", "ユタカ"),
        ("三郎", "サブロウ"),
        ("正雄", "マサオ"),
        ("一郎", "イチロウ"),
        ("次郎", "ジロウ"),
        ("和夫", "カズオ"),
        ("幸雄", "ユキオ"),
        ("義雄", "ヨシオ"),
        ("秀夫", "ヒデオ"),
        ("茂雄", "シゲオ"),
        ("功", "イサオ"),
        ("久雄", "ヒサオ"),
        ("忠", "タダシ"),
        ("正一", "ショウイチ"),
        ("栄一", "エイイチ"),
        ("四郎", "シロウ"),
        ("保", "タモツ"),
        ("昇", "ノボル"),
        ("光男", "ミツオ"),
        ("利夫", "トシオ"),
        ("武雄", "タケオ"),
        ("信夫", "ノブオ"),
        ("文雄", "フミオ"),
        ("勲", "イサオ"),
        ("繁", "シゲル"),
        ("寛", "ヒロシ"),
        ("治", "オサム"),
        ("稔", "ミノル"),
        ("正義", "マサヨシ"),
        ("辰雄", "タツオ"),
        ("弘", "ヒロシ"),
        ("貞夫", "サダオ"),
        ("政雄", "マサオ"),
    ],
    &[
        ("誠", "マコト"),
        ("浩", "ヒロシ"),
        ("和彦", "カズヒコ"),
        ("正樹", "マサキ"),
        ("聡", "サトシ"),
        ("修一", "シュウイチ"),
        ("健一", "ケンイチ"),
        ("浩二", "コウジ"),
        ("哲也", "テツヤ"),
        ("秀樹", "ヒデキ"),
        ("直樹", "ナオキ"),
        ("俊之", "トシユキ"),
        ("和也", "カズヤ"),
        ("裕之", "ヒロユキ"),
        ("博之", "ヒロユキ"),
        ("信也", "シンヤ"),
        ("健二", "ケンジ"),
        ("浩一", "コウイチ"),
        ("康弘", "ヤスヒロ"),
        ("雅之", "マサユキ"),
        ("徹", "トオル"),
        ("淳", "ジュン"),
        ("進一", "シンイチ"),
        ("正人", "マサト"),
        ("伸一", "シンイチ"),
        ("満", "ミツル"),
        ("明彦", "アキヒコ"),
        ("幸一", "コウイチ"),
        ("克也", "カツヤ"),
        ("孝之", "タカユキ"),
        ("敏彦", "トシヒコ"),
        ("浩司", "コウジ"),
        ("篤", "アツシ"),
        ("靖", "ヤスシ"),
        ("勉", "ツトム"),
        ("純一", "ジュンイチ"),
        ("賢一", "ケンイチ"),
        ("隆", "タカシ"),
        ("孝", "タカシ"),
        ("明", "アキラ"),
        ("英樹", "ヒデキ"),
        ("達也", "タツヤ"),
        ("一彦", "カズヒコ"),
        ("茂樹", "シゲキ"),
    ],
    &[
        ("大輔", "ダイスケ"),
        ("拓也", "タクヤ"),
        ("健太", "ケンタ"),
        ("直人", "ナオト"),
        ("和樹", "カズキ"),
        ("大樹", "ダイキ"),
        ("亮", "リョウ"),
        ("雄太", "ユウタ"),
        ("翔", "ショウ"),
        ("慎也", "シンヤ"),
        ("洋平", "ヨウヘイ"),
        ("健介", "ケンスケ"),
        ("智也", "トモヤ"),
        ("隼人", "ハヤト"),
        ("一輝", "カズキ"),
        ("勇気", "ユウキ"),
        ("翼", "ツバサ"),
        ("大介", "ダイスケ"),
        ("秀明", "ヒデアキ"),
        ("康平", "コウヘイ"),
        ("祐介", "ユウスケ"),
        ("亮太", "リョウタ"),
        ("孝太", "コウタ"),
        ("将太", "ショウタ"),
        ("裕太", "ユウタ"),
        ("貴之", "タカユキ"),
        ("崇", "タカシ"),
        ("健", "ケン"),
        ("竜也", "タツヤ"),
        ("俊介", "シュンスケ"),
        ("圭", "ケイ"),
        ("悠介", "ユウスケ"),
        ("駿", "シュン"),
        ("恭平", "キョウヘイ"),
        ("慎太郎", "シンタロウ"),
        ("雄一", "ユウイチ"),
        ("剛", "ツヨシ"),
        ("翔太", "ショウタ"),
        ("健太郎", "ケンタロウ"),
        ("雅人", "マサト"),
        ("直也", "ナオヤ"),
        ("拓海", "タクミ"),
        ("優太", "ユウタ"),
        ("裕介", "ユウスケ"),
    ],
    &[
        ("蓮", "レン"),
        ("大翔", "ヒロト"),
        ("陽翔", "ハルト"),
        ("悠真", "ユウマ"),
        ("湊", "ミナト"),
        ("樹", "イツキ"),
        ("大和", "ヤマト"),
        ("悠人", "ユウト"),
        ("陸", "リク"),
        ("颯太", "ソウタ"),
        ("蒼", "アオイ"),
        ("陽太", "ヨウタ"),
        ("颯", "ハヤテ"),
        ("結翔", "ユイト"),
        ("悠斗", "ユウト"),
        ("蒼空", "ソラ"),
        ("奏太", "ソウタ"),
        ("朝陽", "アサヒ"),
        ("優斗", "ユウト"),
        ("海斗", "カイト"),
        ("陽向", "ヒナタ"),
        ("碧", "アオイ"),
        ("律", "リツ"),
        ("新", "アラタ"),
        ("伊織", "イオリ"),
        ("瑛太", "エイタ"),
        ("凪", "ナギ"),
        ("旭", "アサヒ"),
        ("航", "ワタル"),
        ("颯真", "ソウマ"),
        ("悠", "ユウ"),
        ("岳", "ガク"),
        ("奏", "カナデ"),
        ("和真", "カズマ"),
        ("陽斗", "ハルト"),
        ("涼太", "リョウタ"),
        ("大雅", "タイガ"),
        ("琉生", "ルイ"),
        ("歩夢", "アユム"),
        ("颯人", "ハヤト"),
        ("翔真", "ショウマ"),
        ("晴", "ハル"),
        ("湊斗", "ミナト"),
        ("蒼真", "ソウマ"),
        ("拓真", "タクマ"),
        ("健人", "ケント"),
    ],
];

/// Female given names by cohort. Women born before the war were often registered in
/// katakana (トメ, ハル), and some later names are hiragana (さゆり, さくら): both appear.
pub(crate) const FEMALE: [&[GivenName]; ERAS] = [
    &[
        ("和子", "カズコ"),
        ("幸子", "サチコ"),
        ("節子", "セツコ"),
        ("久子", "ヒサコ"),
        ("美代子", "ミヨコ"),
        ("文子", "フミコ"),
        ("清子", "キヨコ"),
        ("光子", "ミツコ"),
        ("照子", "テルコ"),
        ("静子", "シズコ"),
        ("千代子", "チヨコ"),
        ("春子", "ハルコ"),
        ("正子", "マサコ"),
        ("信子", "ノブコ"),
        ("花子", "ハナコ"),
        ("悦子", "エツコ"),
        ("弘子", "ヒロコ"),
        ("京子", "キョウコ"),
        ("和代", "カズヨ"),
        ("貞子", "サダコ"),
        ("富子", "トミコ"),
        ("君子", "キミコ"),
        ("芳子", "ヨシコ"),
        ("昭子", "アキコ"),
        ("千代", "チヨ"),
        ("八重子", "ヤエコ"),
        ("喜美子", "キミコ"),
        ("房子", "フサコ"),
        ("澄子", "スミコ"),
        ("敏子", "トシコ"),
        ("初江", "ハツエ"),
        ("雪子", "ユキコ"),
        ("愛子", "アイコ"),
        ("道子", "ミチコ"),
        ("美智子", "ミチコ"),
        ("絹子", "キヌコ"),
        ("民子", "タミコ"),
        ("菊子", "キクコ"),
        ("トメ", "トメ"),
        ("ハル", "ハル"),
        ("キヨ", "キヨ"),
        ("ミツ", "ミツ"),
        ("タケ", "タケ"),
        ("ヨシ", "ヨシ"),
        ("百合子", "ユリコ"),
        ("綾子", "アヤコ"),
        ("勝子", "カツコ"),
    ],
    &[
        ("恵子", "ケイコ"),
        ("洋子", "ヨウコ"),
        ("由美子", "ユミコ"),
        ("裕子", "ユウコ"),
        ("真由美", "マユミ"),
        ("明美", "アケミ"),
        ("久美子", "クミコ"),
        ("直美", "ナオミ"),
        ("智子", "トモコ"),
        ("美香", "ミカ"),
        ("陽子", "ヨウコ"),
        ("純子", "ジュンコ"),
        ("順子", "ジュンコ"),
        ("典子", "ノリコ"),
        ("由美", "ユミ"),
        ("香織", "カオリ"),
        ("恵美", "エミ"),
        ("尚子", "ナオコ"),
        ("礼子", "レイコ"),
        ("玲子", "レイコ"),
        ("祐子", "ユウコ"),
        ("和美", "カズミ"),
        ("美紀", "ミキ"),
        ("弘美", "ヒロミ"),
        ("淳子", "ジュンコ"),
        ("康子", "ヤスコ"),
        ("良子", "ヨシコ"),
        ("真理子", "マリコ"),
        ("千恵子", "チエコ"),
        ("美佐子", "ミサコ"),
        ("佳子", "ヨシコ"),
        ("栄子", "エイコ"),
        ("理恵", "リエ"),
        ("由紀子", "ユキコ"),
        ("朋子", "トモコ"),
        ("啓子", "ケイコ"),
        ("美和", "ミワ"),
        ("さゆり", "サユリ"),
        ("みどり", "ミドリ"),
        ("聖子", "セイコ"),
        ("律子", "リツコ"),
        ("厚子", "アツコ"),
        ("孝子", "タカコ"),
        ("美由紀", "ミユキ"),
    ],
    &[
        ("愛", "アイ"),
        ("彩", "アヤ"),
        ("美穂", "ミホ"),
        ("舞", "マイ"),
        ("麻衣", "マイ"),
        ("恵", "メグミ"),
        ("友美", "トモミ"),
        ("奈々", "ナナ"),
        ("彩香", "アヤカ"),
        ("沙織", "サオリ"),
        ("由佳", "ユカ"),
        ("千尋", "チヒロ"),
        ("瞳", "ヒトミ"),
        ("真由", "マユ"),
        ("麻美", "アサミ"),
        ("綾", "アヤ"),
        ("絵美", "エミ"),
        ("亜希子", "アキコ"),
        ("直子", "ナオコ"),
        ("美咲", "ミサキ"),
        ("早紀", "サキ"),
        ("明日香", "アスカ"),
        ("遥", "ハルカ"),
        ("愛美", "マナミ"),
        ("優子", "ユウコ"),
        ("久美", "クミ"),
        ("彩乃", "アヤノ"),
        ("里美", "サトミ"),
        ("智美", "トモミ"),
        ("菜摘", "ナツミ"),
        ("夏美", "ナツミ"),
        ("沙也加", "サヤカ"),
        ("美樹", "ミキ"),
        ("裕美", "ヒロミ"),
        ("梓", "アズサ"),
        ("萌", "モエ"),
        ("香", "カオリ"),
        ("紀子", "ノリコ"),
        ("千春", "チハル"),
        ("亜美", "アミ"),
        ("由香里", "ユカリ"),
        ("真美", "マミ"),
        ("彩子", "アヤコ"),
        ("望", "ノゾミ"),
        ("静香", "シズカ"),
    ],
    &[
        ("陽葵", "ヒマリ"),
        ("結菜", "ユイナ"),
        ("陽菜", "ヒナ"),
        ("凜", "リン"),
        ("結愛", "ユア"),
        ("芽依", "メイ"),
        ("葵", "アオイ"),
        ("紬", "ツムギ"),
        ("咲良", "サクラ"),
        ("莉子", "リコ"),
        ("美桜", "ミオ"),
        ("澪", "ミオ"),
        ("心春", "コハル"),
        ("杏", "アン"),
        ("結衣", "ユイ"),
        ("さくら", "サクラ"),
        ("花", "ハナ"),
        ("七海", "ナナミ"),
        ("優奈", "ユウナ"),
        ("愛莉", "アイリ"),
        ("美結", "ミユ"),
        ("心愛", "ココア"),
        ("楓", "カエデ"),
        ("芽衣", "メイ"),
        ("詩", "ウタ"),
        ("琴音", "コトネ"),
        ("柚希", "ユズキ"),
        ("真央", "マオ"),
        ("愛菜", "マナ"),
        ("桜", "サクラ"),
        ("美羽", "ミウ"),
        ("心", "ココロ"),
        ("陽向", "ヒナタ"),
        ("日向", "ヒナタ"),
        ("一花", "イチカ"),
        ("莉央", "リオ"),
        ("杏奈", "アンナ"),
        ("菜々子", "ナナコ"),
        ("遥香", "ハルカ"),
        ("ひなた", "ヒナタ"),
        ("未来", "ミク"),
        ("花音", "カノン"),
        ("紗希", "サキ"),
        ("美月", "ミツキ"),
        ("結", "ユイ"),
        ("彩葉", "イロハ"),
        ("朱莉", "アカリ"),
    ],
];

/// Rank-based weight for a list in popularity order: a harmonic tail, so that the first
/// entry is about `(len + k) / k` times as common as the last. For the family names
/// (k = 10) that gives 佐藤 ≈ 19× the last entry and ≈ 3.4% of draws; the published counts
/// are 佐藤 ≈ 1.8 M people against ≈ 0.1 M at rank ~180, the top ~180 names covering
/// roughly a third of the population.
fn rank_weight(rank: usize, k: u64) -> u64 {
    1_200_000 / (rank as u64 + k)
}

/// A cumulative-weight table for O(log n) weighted draws.
pub(crate) struct Weighted {
    cumulative: Vec<u64>,
}

impl Weighted {
    fn by_rank(len: usize, k: u64) -> Self {
        let mut total = 0;
        let cumulative = (0..len)
            .map(|r| {
                total += rank_weight(r, k);
                total
            })
            .collect();
        Weighted { cumulative }
    }

    /// Builds a table from explicit weights.
    pub(crate) fn from_weights(weights: impl IntoIterator<Item = u64>) -> Self {
        let mut total = 0;
        let cumulative = weights
            .into_iter()
            .map(|w| {
                total += w;
                total
            })
            .collect();
        Weighted { cumulative }
    }

    /// An index drawn with probability proportional to its weight.
    pub(crate) fn draw(&self, rng: &mut Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0).max(1);
        let x = rng.below(total);
        self.cumulative.partition_point(|&c| c <= x)
    }
}

struct Tables {
    surnames: Weighted,
    male: [Weighted; ERAS],
    female: [Weighted; ERAS],
}

static TABLES: LazyLock<Tables> = LazyLock::new(|| Tables {
    surnames: Weighted::by_rank(SURNAMES.len(), 10),
    male: MALE.map(|l| Weighted::by_rank(l.len(), 6)),
    female: FEMALE.map(|l| Weighted::by_rank(l.len(), 6)),
});

pub(crate) fn draw_surname(rng: &mut Rng) -> &'static Surname {
    let i = TABLES.surnames.draw(rng);
    &SURNAMES[i.min(SURNAMES.len() - 1)]
}

/// A given name for the sex and birth year. Names are fashion: 15% of people get a name
/// from a neighbouring cohort so that the cohorts blur as they do in reality.
pub(crate) fn draw_given(rng: &mut Rng, female: bool, birth_year: u16) -> &'static GivenName {
    let mut era = era_of(birth_year);
    let blur = rng.below(100);
    if blur < 8 && era > 0 {
        era -= 1;
    } else if (8..15).contains(&blur) && era + 1 < ERAS {
        era += 1;
    }
    let (lists, tables) = if female { (&FEMALE, &TABLES.female) } else { (&MALE, &TABLES.male) };
    let list = lists[era];
    &list[tables[era].draw(rng).min(list.len() - 1)]
}

/// Half-width forms of U+30A1 (ァ) ..= U+30F6 (ヶ); "" where JIS X 0201 has none (ヮ ヰ ヱ ヵ ヶ).
const HALF_WIDTH: [&str; 86] = [
    "ｧ", "ｱ", "ｨ", "ｲ", "ｩ", "ｳ", "ｪ", "ｴ", "ｫ", "ｵ", // ァ..オ
    "ｶ", "ｶﾞ", "ｷ", "ｷﾞ", "ｸ", "ｸﾞ", "ｹ", "ｹﾞ", "ｺ", "ｺﾞ", // カ..ゴ
    "ｻ", "ｻﾞ", "ｼ", "ｼﾞ", "ｽ", "ｽﾞ", "ｾ", "ｾﾞ", "ｿ", "ｿﾞ", // サ..ゾ
    "ﾀ", "ﾀﾞ", "ﾁ", "ﾁﾞ", "ｯ", "ﾂ", "ﾂﾞ", "ﾃ", "ﾃﾞ", "ﾄ", "ﾄﾞ", // タ..ド
    "ﾅ", "ﾆ", "ﾇ", "ﾈ", "ﾉ", // ナ..ノ
    "ﾊ", "ﾊﾞ", "ﾊﾟ", "ﾋ", "ﾋﾞ", "ﾋﾟ", "ﾌ", "ﾌﾞ", "ﾌﾟ", "ﾍ", "ﾍﾞ", "ﾍﾟ", "ﾎ", "ﾎﾞ", "ﾎﾟ", // ハ..ポ
    "ﾏ", "ﾐ", "ﾑ", "ﾒ", "ﾓ", // マ..モ
    "ｬ", "ﾔ", "ｭ", "ﾕ", "ｮ", "ﾖ", // ャ..ヨ
    "ﾗ", "ﾘ", "ﾙ", "ﾚ", "ﾛ", // ラ..ロ
    "", "ﾜ", "", "", "ｦ", "ﾝ", "ｳﾞ", "", "", // ヮ ワ ヰ ヱ ヲ ン ヴ ヵ ヶ
];

/// Appends `kana` (full-width katakana) in half-width katakana, as many municipal systems
/// export it. Characters without a half-width form are copied unchanged.
pub(crate) fn push_half_width(out: &mut String, kana: &str) {
    for c in kana.chars() {
        let half = match c {
            '\u{30A1}'..='\u{30F6}' => HALF_WIDTH[(c as usize) - 0x30A1],
            'ー' => "ｰ",
            '・' => "･",
            _ => "",
        };
        if half.is_empty() {
            out.push(c);
        } else {
            out.push_str(half);
        }
    }
}

/// Appends `kana` converted to hiragana (ァ..ヶ → ぁ..ゖ; ー stays): a typical "reading in
/// the wrong script" error.
pub(crate) fn push_hiragana(out: &mut String, kana: &str) {
    for c in kana.chars() {
        let h = match c {
            '\u{30A1}'..='\u{30F6}' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
            _ => c,
        };
        out.push(h);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use vrs_protocol::kana::normalize_kana;

    fn all_given() -> impl Iterator<Item = &'static GivenName> {
        MALE.iter().chain(FEMALE.iter()).flat_map(|l| l.iter())
    }

    /// Shift_JIS bytes of `s`, asserting that every character is ASCII, JIS X 0201
    /// half-width katakana or a JIS X 0208 character (lead bytes 81–84, 88–9F, E0–EA;
    /// not NEC row 13 (87), NEC-selected IBM (ED–EE) or IBM (FA–FC) extensions).
    fn assert_jis_x_0208(s: &str) {
        let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(s);
        assert!(!unmappable, "{s} is not encodable in CP932");
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b < 0x80 || (0xA1..=0xDF).contains(&b) {
                i += 1;
                continue;
            }
            assert!(
                matches!(b, 0x81..=0x84 | 0x88..=0x9F | 0xE0..=0xEA),
                "{s}: lead byte {b:#04x} is outside JIS X 0208"
            );
            i += 2;
        }
    }

    #[test]
    fn enough_distinct_names() {
        let s: HashSet<_> = SURNAMES.iter().map(|n| n.0).collect();
        assert_eq!(s.len(), SURNAMES.len(), "duplicate family name");
        assert!(s.len() >= 150, "{} family names", s.len());
        for (sex, lists) in [("male", &MALE), ("female", &FEMALE)] {
            let names: Vec<_> = lists.iter().flat_map(|l| l.iter().map(|n| n.0)).collect();
            let distinct: HashSet<_> = names.iter().collect();
            assert_eq!(distinct.len(), names.len(), "duplicate {sex} name");
            assert!(distinct.len() >= 150, "{} {sex} names", distinct.len());
        }
    }

    #[test]
    fn every_name_is_jis_x_0208_and_reads_in_katakana() {
        for (kanji, kana, latin) in SURNAMES {
            assert_jis_x_0208(kanji);
            assert_jis_x_0208(kana);
            assert_eq!(normalize_kana(kana).as_deref(), Ok(*kana), "{kanji}");
            assert!(latin.chars().all(|c| c.is_ascii_alphabetic()), "{latin}");
        }
        for (name, kana) in all_given() {
            assert_jis_x_0208(name);
            assert_jis_x_0208(kana);
            assert_eq!(normalize_kana(kana).as_deref(), Ok(*kana), "{name}");
        }
    }

    #[test]
    fn half_width_round_trips_through_nfkc() {
        for c in '\u{30A1}'..='\u{30F6}' {
            let mut half = String::new();
            push_half_width(&mut half, &c.to_string());
            if half != c.to_string() {
                assert_eq!(normalize_kana(&half), Ok(c.to_string()), "{c}");
            }
        }
        let readings = SURNAMES.iter().map(|n| n.1).chain(all_given().map(|n| n.1));
        for kana in readings {
            let mut half = String::new();
            push_half_width(&mut half, kana);
            assert!(half.chars().all(|c| ('\u{FF61}'..='\u{FF9F}').contains(&c)), "{kana} -> {half}");
            assert_eq!(normalize_kana(&half).as_deref(), Ok(kana));
            assert_jis_x_0208(&half);
        }
    }

    #[test]
    fn hiragana_is_refused_as_kana() {
        for (_, kana, _) in SURNAMES {
            let mut h = String::new();
            push_hiragana(&mut h, kana);
            assert!(normalize_kana(&h).is_err(), "{h}");
        }
        let mut h = String::new();
        push_hiragana(&mut h, "ヴァー");
        assert_eq!(h, "ゔぁー");
    }

    #[test]
    fn weights_favour_the_top_of_the_list() {
        let mut rng = Rng::for_row(1, crate::rng::Stream::Person, 0);
        let mut sato = 0;
        let n = 100_000;
        for _ in 0..n {
            if draw_surname(&mut rng).0 == "佐藤" {
                sato += 1;
            }
        }
        // The rank weights give 佐藤 about 3.4% of draws.
        assert!((2_500..4_500).contains(&sato), "{sato}");
    }
}
