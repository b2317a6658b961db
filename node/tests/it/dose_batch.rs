//! The vaccinations batch upload, the ledger export and the product master over HTTP.

use crate::dose_support::*;
use crate::http_api::TestNode;
use crate::on_both_backends;
use crate::support::*;
use serde_json::json;

const HEADER: &str = "OCRライン,接種日,ワクチン,ロット番号,接種場所,医師名\r\n";

fn line(i: u64, dose: u8, on: &str) -> String {
    format!("{},{on},comirnaty,EY0779,区民会館,佐藤\r\n", ocr(i, dose))
}

fn batch(rows: &[String]) -> Vec<u8> {
    let mut s = HEADER.to_owned();
    rows.iter().for_each(|r| s.push_str(r));
    s.into_bytes()
}

on_both_backends! {
    fn a_batch_mixing_good_and_bad_rows(db) {
        let node = TestNode::start(db);
        node.import("", "text/csv", file(&[row(0), row(1), row(2)]));
        let rows = vec![
            line(0, 1, "20210601"),
            line(1, 1, "2021/06/31"),
            line(2, 1, "2021-06-01"),
            line(1, 1, "2021-06-01").replace("comirnaty", "pfizer"),
            "11131017000000000,x\r\n".into(),
        ];
        let path = "/api/v1/vaccinations/import";
        let (code, body) = node.post_csv(path, "text/csv", batch(&rows));
        assert_eq!((code, body["error"].as_str()), (422, Some("invalid_csv")), "{body}");
        let got: Vec<(u64, Option<&str>, &str)> = body["rejected"].as_array().unwrap().iter()
            .map(|r| (r["line"].as_u64().unwrap(), r["column"].as_str(), r["error"].as_str().unwrap())).collect();
        assert_eq!(got, vec![(3, Some("接種日"), "invalid_date"), (5, Some("ワクチン"), "unknown_product"), (6, None, "wrong_field_count")]);
        assert_eq!(node.dose_rows(), 0, "all-or-nothing wrote doses");

        let (code, body) = node.post_csv(&format!("{path}?on_error=skip"), "text/csv", batch(&rows));
        assert_eq!(code, 200, "{body}");
        assert_eq!((body["inserted"].as_u64(), body["rejected_total"].as_u64()), (Some(2), Some(3)));
        assert_eq!(body["by_status"], json!({"recorded": 2}));
        // Re-uploading (here as CP932) changes nothing.
        let text = String::from_utf8(batch(&[line(0, 1, "20210601"), line(2, 1, "2021-06-01")])).unwrap();
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
        let (code, body) = node.post_csv(path, "text/csv; charset=shift_jis", sjis.into_owned());
        assert_eq!((code, body["inserted"].as_u64(), body["unchanged"].as_u64()), (200, Some(0), Some(2)), "{body}");
        // The same dose with other details is a conflict the file's owner must resolve.
        let (code, body) = node.post_csv(path, "text/csv", batch(&[line(0, 1, "20210601").replace("EY0779", "FA1234")]));
        assert_eq!((code, body["rejected"][0]["error"].as_str()), (422, Some("duplicate")));
        assert_eq!(node.dose_rows(), 2);
        let (code, body) = node.post_csv(path, "text/csv", Vec::new());
        assert_eq!((code, body["rejected"][0]["error"].as_str()), (422, Some("no_data_rows")));
        assert_eq!(node.post_csv(path, "application/json", b"{}".to_vec()).0, 415);
        assert_eq!(node.post_csv(&format!("{path}?on_error=maybe"), "text/csv", batch(&rows)).0, 400);
    }

    fn ledger_export_in_utf8_and_cp932(db) {
        let node = TestNode::start(db);
        node.import("", "text/csv", file(&[row(0), row(1)]));
        node.post_dose(&node.site, &dose(&ocr(0, 1), "2021-06-01", "comirnaty"), None);
        node.post_dose(&node.site, &dose(&ocr(0, 2), "2021-06-22", "comirnaty"), None);
        node.post_dose(&node.site, &dose(&ocr(1, 1), "2021-07-01", "spikevax"), None);
        let url = format!("{}/api/v1/exports/ledger.csv", node.base);
        let res = node.client.get(&url).bearer_auth(&node.staff).send().unwrap();
        assert_eq!(res.status().as_u16(), 200);
        let text = res.text().unwrap();
        let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert!(lines[0].starts_with("個別宛名番号,接種回数1,接種日1,ワクチン1,メーカー1,ロット番号1"), "{}", lines[0]);
        assert!(lines[0].ends_with("要確認2"));
        assert_eq!(lines[1], "1000,1,20210601,comirnaty,ファイザー,EY0779,区民会館,佐藤,131016,0,2,20210622,comirnaty,ファイザー,EY0779,区民会館,佐藤,131016,0");
        assert_eq!(lines[2], "1001,1,20210701,spikevax,武田/モデルナ,EY0779,区民会館,佐藤,131016,0,,,,,,,,,");
        let res = node.client.get(format!("{url}?charset=shift_jis")).bearer_auth(&node.staff).send().unwrap();
        assert_eq!(res.headers()["content-type"], "text/csv; charset=shift_jis");
        let bytes = res.bytes().unwrap();
        let (decoded, _, errors) = encoding_rs::SHIFT_JIS.decode(&bytes);
        assert!(!errors);
        assert_eq!(decoded, text);
        assert_eq!(node.client.get(&url).bearer_auth(&node.site).send().unwrap().status().as_u16(), 403);
        assert_eq!(node.client.get(format!("{url}?charset=latin1")).bearer_auth(&node.staff).send().unwrap().status().as_u16(), 400);
    }

    fn any_role_reads_the_product_master(db) {
        let node = TestNode::start(db);
        let (code, products) = node.get("/api/v1/products", Some(&node.site));
        assert_eq!(code, 200);
        let comirnaty = products.as_array().unwrap().iter().find(|p| p["code"] == "comirnaty").unwrap();
        assert_eq!((comirnaty["maker"].as_str(), comirnaty["cvx"].as_str()), (Some("ファイザー"), Some("208")));
        assert_eq!(node.get("/api/v1/products", None).0, 401);
    }
}
