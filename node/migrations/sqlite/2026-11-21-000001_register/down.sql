DROP TABLE access_log;
DROP TABLE imports;
DROP TABLE users;
DROP TABLE my_numbers;
DROP TABLE coupon_history;
DROP TABLE residents;
